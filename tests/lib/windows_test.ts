import { assertEquals } from "../support/assert.ts";
import { createTestDatabase } from "../support/database.ts";
import { createServer } from "../support/worker.ts";
import { insertMessages, type NewMessageInput } from "../../lib/messages.ts";
import { setChannelJoined, setChannelTopic } from "../../lib/channels.ts";
import { findServer, updateServer } from "../../lib/servers.ts";
import { listWindows, markRead, UNREAD_CAP } from "../../lib/windows.ts";
import { addIgnore } from "../../lib/ignores.ts";
import { createUserAndServer } from "../support/userServer.ts";
import { withUnreadMentions } from "../../lib/unreadMentions.ts";

const said = (target: string, sender: string, content = "x"): NewMessageInput => ({
  target,
  sender,
  content,
  message_type: "privmsg",
});

Deno.test("windows: channels then queries, each by name, with topics and unread counts", async () => {
  const t = await createTestDatabase();
  try {
    const server = await createServer(t.db, { port: 6667, nickname: "alice" });
    await setChannelJoined(t.db, server.id, "#ruby", true);
    await setChannelTopic(t.db, server.id, "#ruby", "Ruby talk");
    await setChannelJoined(t.db, server.id, "#deno", false);
    await insertMessages(t.db, server.id, [
      said("#ruby", "bob"),
      said("zed", "zed"),
      said("Bob", "Bob"),
      // The query window keeps the spelling of the latest message.
      said("bob", "alice"),
      { target: null, sender: null, content: "MOTD", message_type: "system" },
      { target: "#ruby", sender: "carol", content: "", message_type: "join" },
    ]);
    assertEquals(await listWindows(t.db, server), [
      { target: "#deno", kind: "channel", joined: false, topic: null, unread: 0 },
      { target: "#ruby", kind: "channel", joined: true, topic: "Ruby talk", unread: 1 },
      { target: "bob", kind: "query", joined: true, topic: null, unread: 1 },
      { target: "zed", kind: "query", joined: true, topic: null, unread: 1 },
    ]);
  } finally {
    await t.drop();
  }
});

Deno.test("windows: the user's own lines (under either nick) never count; counts stop at the cap", async () => {
  const t = await createTestDatabase();
  try {
    const created = await createServer(t.db, { port: 6667, nickname: "alice" });
    await updateServer(t.db, created.id, { current_nickname: "alice_" });
    const server = (await findServer(t.db, created.id))!;
    await setChannelJoined(t.db, server.id, "#busy", true);
    await insertMessages(t.db, server.id, [
      said("#busy", "ALICE"),
      said("#busy", "alice_"),
      ...Array.from({ length: UNREAD_CAP + 20 }, () => said("#busy", "bob")),
    ]);
    const [busy] = await listWindows(t.db, server);
    assertEquals(busy.unread, UNREAD_CAP);
  } finally {
    await t.drop();
  }
});

Deno.test("windows: a read marker counts from there on, by any case of the name, and never moves back", async () => {
  const t = await createTestDatabase();
  try {
    const server = await createServer(t.db, { port: 6667, nickname: "alice" });
    await setChannelJoined(t.db, server.id, "#Ruby", true);
    const stored = await insertMessages(t.db, server.id, [
      said("#Ruby", "bob"),
      said("#Ruby", "bob"),
      said("#Ruby", "bob"),
    ]);
    const unread = async () => (await listWindows(t.db, server))[0].unread;
    assertEquals(await unread(), 3);
    await markRead(t.db, server.id, "#ruby", stored[1].message.id);
    assertEquals(await unread(), 1);
    await markRead(t.db, server.id, "#RUBY", stored[0].message.id);
    assertEquals(await unread(), 1, "an older marker does not undo reading");
    await markRead(t.db, server.id, "#Ruby", stored[2].message.id);
    assertEquals(await unread(), 0);
  } finally {
    await t.drop();
  }
});

Deno.test("windows: lines of ignored nicks count neither as unread nor as mentions", async () => {
  const t = await createTestDatabase();
  try {
    const db = t.db;
    const { server } = await createUserAndServer(db);
    await setChannelJoined(db, server.id, "#ruby", true);
    await addIgnore(db, server.id, "spam*");
    await addIgnore(db, server.id, "[troll]");
    await addIgnore(db, server.id, "a_b");
    await insertMessages(db, server.id, [
      said("#ruby", "bob", "alice: hi"),
      said("#ruby", "SpamBot", "alice: buy now"),
      said("#ruby", "{TROLL}", "alice: hello"),
      // `_` is a nick's character, not LIKE's wildcard.
      said("#ruby", "axb", "alice: not ignored"),
      said("#ruby", "a_b", "alice: ignored"),
      said("spammer", "spammer", "psst"),
    ]);
    const windows = await withUnreadMentions(db, server, await listWindows(db, server));
    assertEquals(
      windows.map((w) => [w.target, w.unread, w.mentions]),
      [["#ruby", 2, 2], ["spammer", 0, 0]],
    );
  } finally {
    await t.drop();
  }
});
