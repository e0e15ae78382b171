import { assertEquals, assertRejects } from "../support/assert.ts";
import { createTestDatabase } from "../support/database.ts";
import { createDb } from "../../lib/db/database.ts";
import { RecentSends } from "../../routes/api/recentSends.ts";

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

Deno.test("recent sends: a success is answered again; a refusal or a failure is tried again", async () => {
  const database = await createTestDatabase();
  try {
    const recent = new RecentSends(database.db);
    let calls = 0;
    const ok = () => Promise.resolve(json(201, { n: ++calls }));
    assertEquals((await recent.once("a", ok)).body, '{"n":1}');
    assertEquals(await recent.once("a", ok), {
      status: 201,
      body: '{"n":1}',
      contentType: "application/json",
    });
    assertEquals(calls, 1);

    assertEquals(
      (await recent.once("b", () => Promise.resolve(json(409, { error: "Server not connected" })))).status,
      409,
    );
    assertEquals((await recent.once("b", ok)).status, 201, "sent for real after the refusal");
    await assertRejects(() => recent.once("c", () => Promise.reject(new Error("boom"))), Error, "boom");
    assertEquals((await recent.once("c", ok)).status, 201, "sent for real after the failure");

    const brief = new RecentSends(database.db, { ttlMs: 20 });
    await brief.once("x", ok);
    await new Promise((r) => setTimeout(r, 40));
    await brief.once("x", ok);
    assertEquals(calls, 5, "sent again once its time was up");
  } finally {
    await database.drop();
  }
});

Deno.test("recent sends: a resend through another instance waits for the first send and gets its answer", async () => {
  const database = await createTestDatabase();
  // A second instance: its own pool on the same database.
  const other = createDb(database.url, { maxConnections: 2 });
  try {
    const here = new RecentSends(database.db);
    const there = new RecentSends(other);
    let calls = 0;
    const release = Promise.withResolvers<void>();
    const first = here.once("k", async () => {
      calls++;
      await release.promise;
      return json(201, { id: 7 });
    });
    // Under way here: the resend there must not send.
    await new Promise((r) => setTimeout(r, 50));
    const second = there.once("k", () => Promise.resolve(json(201, { id: ++calls })));
    await new Promise((r) => setTimeout(r, 100));
    release.resolve();
    assertEquals((await first).body, '{"id":7}');
    assertEquals((await second).body, '{"id":7}');
    assertEquals(calls, 1);

    // A send that never answers (its instance died) is not sent again; the resend says why.
    const stuck = new RecentSends(other, { waitMs: 100 });
    void here.once("lost", () => new Promise<Response>(() => {}));
    await new Promise((r) => setTimeout(r, 50));
    const answer = await stuck.once("lost", () => Promise.resolve(json(201, { id: ++calls })));
    assertEquals(answer.status, 504);
    assertEquals(calls, 1);
  } finally {
    await other.destroy();
    await database.drop();
  }
});
