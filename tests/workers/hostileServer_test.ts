/**
 * A hostile IRC server against a real worker: malformed lines, endless
 * data, endless replies. After each attack the worker is still connected
 * and a plain PRIVMSG sent after it is stored.
 */
import { assert, assertEquals, waitFor } from "../support/assert.ts";
import { withWorker, type WorkerTest } from "../support/worker.ts";
import type { FakeClient } from "../support/fakeIrcServer.ts";
import { MAX_STORED_TEXT_BYTES } from "../../lib/storableText.ts";
import { findServer } from "../../lib/servers.ts";
import { sql } from "kysely";

const encoder = new TextEncoder();

async function contents(t: WorkerTest, target: string | null): Promise<string[]> {
  const rows = await t.database.db.selectFrom("messages").select("content")
    .where("server_id", "=", t.server.id)
    .where(target === null ? sql<boolean>`target is null` : sql<boolean>`target = ${target}`)
    .orderBy("seq").execute();
  return rows.map((r) => r.content);
}

/** Sends a PRIVMSG after the attack and waits until it is stored: the worker kept up. */
async function stillWriting(
  t: WorkerTest,
  client: FakeClient,
  tag: string,
  timeoutMs = 30_000,
): Promise<void> {
  client.send(`:bob!b@h PRIVMSG #after :after ${tag}`);
  await waitFor(
    async () => (await contents(t, "#after")).includes(`after ${tag}`) || undefined,
    timeoutMs,
    `the PRIVMSG after ${tag} to be stored`,
  );
  const row = await findServer(t.database.db, t.server.id);
  assertEquals(row?.status, "connected", `after ${tag}: ${row?.last_error}`);
  const exited = await Promise.race([t.worker.status.then(() => true), Promise.resolve(false)]);
  assert(!exited, `the worker exited after ${tag}`);
}

/** `line` (CRLF added) `count` times, in chunks of about 64 KB. */
async function repeat(client: FakeClient, line: (i: number) => string, count: number): Promise<void> {
  let parts: string[] = [];
  let size = 0;
  for (let i = 0; i < count; i++) {
    const text = line(i) + "\r\n";
    parts.push(text);
    size += text.length;
    if (size >= 64 * 1024) {
      await client.sendBytes(encoder.encode(parts.join("")));
      parts = [];
      size = 0;
    }
  }
  if (parts.length > 0) await client.sendBytes(encoder.encode(parts.join("")));
}

const MALFORMED = [
  ":x!u@h JOIN",
  ":x!u@h PART",
  ":fake.irc 353 tester",
  ":fake.irc 353 tester =",
  ":fake.irc 366 tester",
  ":x!u@h PRIVMSG",
  ":x!u@h PRIVMSG #c",
  ":x!u@h NOTICE",
  ":fake.irc 332 tester",
  ":fake.irc 333 tester",
  ":x!u@h TOPIC",
  ":x!u@h KICK",
  ":x!u@h KICK #c",
  ":x!u@h NICK",
  ":x!u@h MODE",
  ":x!u@h QUIT",
  ":x!u@h INVITE",
  ":fake.irc 372 tester",
  ":fake.irc 376 tester",
  ":fake.irc 311 tester",
  ":fake.irc 318 tester",
  ":fake.irc 322 tester",
  ":fake.irc 005 tester",
  ":fake.irc 433",
  ":fake.irc 401",
  ":fake.irc CAP",
  ":fake.irc CAP tester ACK",
  "BATCH",
  "BATCH +",
  "@batch= :x!u@h PRIVMSG #c :hi",
  ":x!u@h AWAY",
  ":x!u@h ACCOUNT",
  ":x!u@h CHGHOST",
  ":x!u@h SETNAME",
  "PING",
  "ERROR",
  ":",
  "@",
  "@a=b",
  ":x!u@h",
];

Deno.test("hostile server: each malformed line is dropped, the worker stays up and stores what follows", async () => {
  await withWorker({}, async (t) => {
    const client = t.irc.clients[0];
    for (const [i, line] of MALFORMED.entries()) {
      client.send(line);
      await stillWriting(t, client, `malformed ${i}`);
    }
    // Nothing was stored for a channel named "undefined".
    const channels = await t.database.db.selectFrom("channels").select("name").execute();
    assert(!channels.some((c) => c.name === "undefined"), JSON.stringify(channels));
  });
});

Deno.test("hostile server: 100 MB with no newline is cut at the line limit; memory does not follow", async () => {
  await withWorker({}, async (t) => {
    const client = t.irc.clients[0];
    const chunk = new Uint8Array(1024 * 1024).fill("a".charCodeAt(0));
    await client.sendBytes(encoder.encode(":bob!b@h PRIVMSG #long :"));
    for (let i = 0; i < 100; i++) await client.sendBytes(chunk);
    await client.sendBytes(encoder.encode("\r\n"));
    await stillWriting(t, client, "the long line");
    const [long] = await contents(t, "#long");
    assert(long.length > 400 && long.length < 512, `${long.length} characters stored`);
    assert(/line longer than 512 bytes: cut/.test(t.worker.stderr()));
  });
});

Deno.test("hostile server: 1,000,000 NAMES lines with no end, then an unclosed BATCH", async () => {
  await withWorker({}, async (t) => {
    const client = t.irc.clients[0];
    await repeat(client, (i) => `:fake.irc 353 tester = #big :u${i} v${i} w${i}`, 1_000_000);
    await stillWriting(t, client, "NAMES", 120_000);
    client.send("BATCH +b1 chathistory #hist");
    await repeat(client, (i) => `@batch=b1 :bob!b@h PRIVMSG #hist :in batch ${i}`, 30_000);
    await stillWriting(t, client, "BATCH", 60_000);
    // The batch was ended early and its lines stored, the later ones as they came.
    await waitFor(
      async () => (await contents(t, "#hist")).length === 30_000 || undefined,
      30_000,
      "the batch",
    );
    assert(/batch of more than 20000 lines: ended early/.test(t.worker.stderr()));
  });
});

Deno.test("hostile server: a 10 MB MOTD is stored as one bounded message", async () => {
  await withWorker({}, async (t) => {
    const client = t.irc.clients[0];
    client.send(":fake.irc 375 tester :- fake.irc Message of the day -");
    await repeat(
      client,
      (i) => `:fake.irc 372 tester :- ${String(i).padStart(6, "0")} ${"m".repeat(480)}`,
      20_000,
    );
    client.send(":fake.irc 376 tester :End of /MOTD command.");
    await stillWriting(t, client, "MOTD");
    const motd = (await contents(t, null)).filter((c) => c.startsWith("- 000000"));
    assertEquals(motd.length, 1);
    assert(encoder.encode(motd[0]).length <= MAX_STORED_TEXT_BYTES, `${motd[0].length} characters`);
  });
});

Deno.test("hostile server: bad UTF-8 is stored as replacement characters", async () => {
  await withWorker({}, async (t) => {
    const client = t.irc.clients[0];
    await client.sendBytes(
      new Uint8Array([...encoder.encode(":bob!b@h PRIVMSG #bad :x"), 0xff, 0xfe, 0xc3, 0x00, 0x41, 13, 10]),
    );
    await stillWriting(t, client, "bad UTF-8");
    const [bad] = await contents(t, "#bad");
    assert(bad.startsWith("x\uFFFD"), JSON.stringify(bad));
    assert(!bad.includes("\0"));
  });
});

Deno.test("hostile server: 10,000 channels joined are all recorded", async () => {
  await withWorker({}, async (t) => {
    const client = t.irc.clients[0];
    await repeat(client, (i) => `:tester!tester@127.0.0.1 JOIN #ch${i}`, 10_000);
    await stillWriting(t, client, "10,000 joins", 60_000);
    await waitFor(
      async () => {
        const { n } = await t.database.db.selectFrom("channels")
          .select((eb) => eb.fn.countAll<string>().as("n")).where("server_id", "=", t.server.id)
          .where("joined", "=", true).executeTakeFirstOrThrow();
        return Number(n) === 10_000 || undefined;
      },
      60_000,
      "10,000 joined channels",
    );
  });
});
