/**
 * LIST replies through irc-framework's parser into the channel list, as the
 * worker's own database role writes it (row-level security), in batches,
 * read back by the page's query.
 */
import { assert, assertEquals, assertRejects } from "../../support/assert.ts";
import { createTestDatabase } from "../../support/database.ts";
import { createServer } from "../../support/worker.ts";
import { createDb } from "../../../lib/db/database.ts";
import { provisionWorkerRole } from "../../../lib/db/workerRoles.ts";
import { channelListStore, MAX_LIST_ENTRIES, readChannelList } from "../../../lib/channelList.ts";
import { ChannelListWriter, LIST_BATCH, listenChannelList } from "../../../workers/events/list.ts";
import { harness } from "./harness.ts";

Deno.test("list: 5,000 LIST replies written by the worker role in batches, paged, searched and sorted", async () => {
  const database = await createTestDatabase();
  const own = (await createServer(database.db, { port: 6667 })).id;
  const other = (await createServer(database.db, { port: 6668, name: "other" })).id;
  const login = await provisionWorkerRole(database.db, own);
  const url = new URL(database.url);
  url.username = login.user;
  url.password = login.password;
  const worker = createDb(url.href, { maxConnections: 2 });
  try {
    const errors: unknown[] = [];
    const store = channelListStore(worker, own);
    let writes = 0;
    const counting = { ...store, add: (...a: Parameters<typeof store.add>) => (writes++, store.add(...a)) };
    const writer = new ChannelListWriter(counting, (e) => errors.push(e));
    const t = harness([(ctx) => listenChannelList(ctx.client, writer)]);
    writer.begin(null);
    t.line(":srv 321 tester Channel :Users  Name");
    for (let i = 0; i < 5000; i++) t.line(`:srv 322 tester #chan${i} ${i % 97} :topic of ${i}`);
    t.line(":srv 322 tester #ruby 500 :\x02Ruby\x02 talk");
    t.line(":srv 322 tester bad,name 5 :not a channel");
    t.line(":srv 322 tester #neg -4 :minus");
    t.line(":srv 323 tester :End of /LIST");
    await writer.settled();
    assertEquals(errors, []);
    assert(writes <= Math.ceil(5002 / LIST_BATCH) + 1, `${writes} writes`);

    const page = await readChannelList(database.db, own, { limit: 3 });
    assertEquals([page.state, page.total, page.matching, page.truncated], ["done", 5002, 5002, false]);
    assertEquals(page.entries.map((e) => [e.name, e.users]), [["#ruby", 500], ["#chan1066", 96], [
      "#chan1163",
      96,
    ]]);
    const found = await readChannelList(database.db, own, { search: "RUBY", sort: "name" });
    assertEquals(found.entries, [{ name: "#ruby", users: 500, topic: "\x02Ruby\x02 talk" }]);
    const byName = await readChannelList(database.db, own, { sort: "name", offset: 1, limit: 2 });
    assertEquals(byName.entries.map((e) => e.name), ["#chan1", "#chan10"]);
    assertEquals((await readChannelList(database.db, own, { search: "minus" })).entries[0].users, 0);
    assertEquals((await readChannelList(database.db, own, { search: "100%" })).matching, 0);

    // A new list starts empty; the role cannot touch another server's list.
    writer.begin(">100");
    await writer.settled();
    const fresh = await readChannelList(database.db, own, {});
    assertEquals([fresh.state, fresh.filter, fresh.total], ["listing", ">100", 0]);
    await assertRejects(() => channelListStore(worker, other).begin(null), Error, "row-level security");
    assertEquals((await readChannelList(database.db, other, {})).state, "none");
    // The ignore list is the app's alone: a worker may not even read it.
    await assertRejects(() => worker.selectFrom("ignores").selectAll().execute(), Error, "permission denied");
  } finally {
    await worker.destroy();
    await database.drop();
  }
});

Deno.test("list: at most MAX_LIST_ENTRIES kept, the rest said to be cut", async () => {
  const added: number[] = [];
  let truncated = false;
  const writer = new ChannelListWriter({
    begin: () => Promise.resolve(),
    add: (entries, cut) => {
      added.push(entries.length);
      truncated ||= cut;
      return Promise.resolve();
    },
    finish: () => Promise.resolve(),
  }, (e) => {
    throw e;
  });
  const batch = Array.from({ length: 50 }, (_, i) => ({ channel: `#c${i}`, num_users: 1, topic: "" }));
  for (let i = 0; i < MAX_LIST_ENTRIES / 50 + 2; i++) writer.add(batch);
  writer.end();
  await writer.settled();
  assertEquals(added.reduce((a, b) => a + b, 0), MAX_LIST_ENTRIES);
  assert(truncated);
  assert(Math.max(...added) <= LIST_BATCH);
});

Deno.test("list: a network of 50,000 channels is read without waiting on the database, then stored whole", async () => {
  const database = await createTestDatabase();
  try {
    const id = (await createServer(database.db, { port: 6667 })).id;
    const store = channelListStore(database.db, id);
    let written = 0;
    let writes = 0;
    const writer = new ChannelListWriter({
      ...store,
      add: async (entries, cut) => {
        writes++;
        await store.add(entries, cut);
        written += entries.length;
      },
    }, (e) => {
      throw e;
    });
    const t = harness([(ctx) => listenChannelList(ctx.client, writer)]);
    t.line(":srv 321 tester Channel :Users  Name");
    for (let i = 0; i < 50_000; i++) t.line(`:srv 322 tester #net${i} ${i % 1000} :a topic for channel ${i}`);
    t.line(":srv 323 tester :End of /LIST");
    // Every line was taken while none of the writes had finished: IRC is never read behind the database.
    assertEquals(written, 0);
    await writer.settled();
    assertEquals(written, 50_000);
    assert(writes <= 51, `${writes} writes`);
    const page = await readChannelList(database.db, id, { search: "channel 4999", limit: 20 });
    assertEquals([page.state, page.total, page.matching], ["done", 50_000, 11]);
    assertEquals(page.entries[0], { name: "#net4999", users: 999, topic: "a topic for channel 4999" });
  } finally {
    await database.drop();
  }
});
