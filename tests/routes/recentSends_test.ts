import { assertEquals, assertRejects } from "../support/assert.ts";
import { RecentSends } from "../../routes/api/recentSends.ts";

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

Deno.test("recent sends: a success is answered again; a refusal or a failure is tried again", async () => {
  const recent = new RecentSends();
  let calls = 0;
  const ok = () => Promise.resolve(json(201, { n: ++calls }));
  assertEquals((await recent.once("a", ok)).body, '{"n":1}');
  assertEquals(await recent.once("a", ok), { status: 201, body: '{"n":1}', contentType: "application/json" });
  assertEquals(calls, 1);

  assertEquals(
    (await recent.once("b", () => Promise.resolve(json(409, { error: "Server not connected" })))).status,
    409,
  );
  assertEquals((await recent.once("b", ok)).status, 201, "sent for real after the refusal");
  await assertRejects(() => recent.once("c", () => Promise.reject(new Error("boom"))), Error, "boom");
  assertEquals((await recent.once("c", ok)).status, 201, "sent for real after the failure");
});

Deno.test("recent sends: kept for a while and at most so many, the oldest going first", async () => {
  let calls = 0;
  const ok = () => Promise.resolve(json(200, { n: ++calls }));
  const bounded = new RecentSends(60_000, 2);
  await bounded.once("a", ok);
  await bounded.once("b", ok);
  await bounded.once("c", ok);
  assertEquals(calls, 3);
  await bounded.once("c", ok);
  await bounded.once("b", ok);
  assertEquals(calls, 3, "b and c kept");
  await bounded.once("a", ok);
  assertEquals(calls, 4, "a was dropped first");

  const brief = new RecentSends(20);
  await brief.once("x", ok);
  await new Promise((r) => setTimeout(r, 40));
  await brief.once("x", ok);
  assertEquals(calls, 6, "sent again once its time was up");
});
