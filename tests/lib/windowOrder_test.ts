import { assertEquals } from "../support/assert.ts";
import { createTestDatabase } from "../support/database.ts";
import { createUserAndServer } from "../support/userServer.ts";
import { insertMessages, type NewMessageInput } from "../../lib/messages.ts";
import { setChannelJoined } from "../../lib/channels.ts";
import { listWindows } from "../../lib/windows.ts";
import { arrangeWindows, closeWindow, saveWindowOrder } from "../../lib/windowOrder.ts";

type Kind = NewMessageInput["message_type"];
const said = (target: string, sender: string, content = "x", type: Kind = "privmsg"): NewMessageInput => ({
  target,
  sender,
  content,
  message_type: type,
});
// A line with no text: a quit, a part, a join.
const event = (target: string, sender: string, type: Kind) => said(target, sender, "", type);

Deno.test("arrangeWindows: placed ones first in their order, the rest as given; closed ones out unless joined", () => {
  const w = (target: string, kind: "channel" | "query" = "channel", joined = true) => ({
    target,
    kind,
    joined,
  });
  const places = new Map([
    ["zed", { position: 0, closed: false }],
    ["#b", { position: 1, closed: false }],
    ["#gone", { position: null, closed: true }],
    ["#still", { position: null, closed: true }],
    ["old", { position: 2, closed: true }],
  ]);
  const arranged = arrangeWindows(
    [w("#a"), w("#B"), w("#gone", "channel", false), w("#still"), w("old", "query"), w("Zed", "query")],
    places,
  );
  assertEquals(arranged.map((x) => x.target), ["Zed", "#B", "#a", "#still"]);
});

Deno.test("window order: stored per server, applied by listWindows; a closed window hides until a newer line", async () => {
  const t = await createTestDatabase();
  try {
    const db = t.db;
    const { server } = await createUserAndServer(db);
    await setChannelJoined(db, server.id, "#ruby", true);
    await setChannelJoined(db, server.id, "#deno", true);
    await insertMessages(db, server.id, [said("bob", "bob"), said("Zed", "Zed")]);
    const targets = async () => (await listWindows(db, server)).map((w) => w.target);
    assertEquals(await targets(), ["#deno", "#ruby", "bob", "Zed"]);

    await saveWindowOrder(db, server.id, ["zed", "#RUBY"]);
    assertEquals(
      await targets(),
      ["Zed", "#ruby", "#deno", "bob"],
      "the placed ones first, by case-folded name",
    );
    await saveWindowOrder(db, server.id, ["bob"]);
    assertEquals(await targets(), ["bob", "#deno", "#ruby", "Zed"], "a new order replaces the old one");

    // A query closed is gone, until someone writes in it again.
    await closeWindow(db, server.id, "Bob");
    assertEquals(await targets(), ["#deno", "#ruby", "Zed"]);
    await insertMessages(db, server.id, [event("bob", "bob", "quit")]);
    assertEquals(await targets(), ["#deno", "#ruby", "Zed"], "a quit is not something said");
    await insertMessages(db, server.id, [said("bob", "bob", "back?")]);
    assertEquals(await targets(), ["bob", "#deno", "#ruby", "Zed"], "back, in its place");

    // A channel closed stays while the user is in it (its PART is on its way), and goes once parted.
    await closeWindow(db, server.id, "#ruby");
    assertEquals(await targets(), ["bob", "#deno", "#ruby", "Zed"]);
    await insertMessages(db, server.id, [event("#ruby", "alice", "part")]);
    await setChannelJoined(db, server.id, "#ruby", false);
    assertEquals(await targets(), ["bob", "#deno", "Zed"]);
    // Joined again: back, and parting later leaves it listed, as a parted channel.
    await insertMessages(db, server.id, [event("#ruby", "alice", "join")]);
    await setChannelJoined(db, server.id, "#ruby", true);
    await setChannelJoined(db, server.id, "#ruby", false);
    assertEquals(await targets(), ["bob", "#deno", "#ruby", "Zed"]);
  } finally {
    await t.drop();
  }
});
