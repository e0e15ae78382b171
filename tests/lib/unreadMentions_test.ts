import { createTestDatabase } from "../support/database.ts";
import { assertEquals } from "../support/assert.ts";
import { createUserAndServer } from "../support/userServer.ts";
import { insertMessages } from "../../lib/messages.ts";
import { setChannelJoined } from "../../lib/channels.ts";
import { listWindows, markRead } from "../../lib/windows.ts";
import { withUnreadMentions } from "../../lib/unreadMentions.ts";

Deno.test("unreadMentions: the unread lines that mention the user's nick or words, per window, as the browser judges them", async () => {
  const database = await createTestDatabase();
  try {
    const db = database.db;
    const { server } = await createUserAndServer(db);
    await setChannelJoined(db, server.id, "#ruby", true);
    await setChannelJoined(db, server.id, "#deno", true);
    const [read] = await insertMessages(db, server.id, [
      { target: "#ruby", sender: "bob", content: "alice: read already", message_type: "privmsg" },
    ]);
    await markRead(db, server.id, "#ruby", read.message.id);
    await insertMessages(db, server.id, [
      { target: "#ruby", sender: "bob", content: "hi alice, welcome!", message_type: "privmsg" },
      { target: "#ruby", sender: "bob", content: "malice is not her", message_type: "privmsg" },
      { target: "#ruby", sender: "alice", content: "alice talking about herself", message_type: "privmsg" },
      { target: "#ruby", sender: "bob", content: "alice", message_type: "join" },
      { target: "#ruby", sender: "carol", content: "\x02ALICE\x02 look", message_type: "action" },
      { target: "#deno", sender: "carol", content: "deno 3 is out", message_type: "privmsg" },
      { target: "Dave", sender: "Dave", content: "psst", message_type: "privmsg" },
    ]);
    const counts = async (words: string[] = []) =>
      Object.fromEntries(
        (await withUnreadMentions(db, server, await listWindows(db, server), words)).map((w) => [
          w.target,
          [w.unread, w.mentions],
        ]),
      );
    assertEquals(await counts(), { "#deno": [1, 0], "#ruby": [3, 2], Dave: [1, 1] });
    assertEquals((await counts(["Deno"]))["#deno"], [1, 1], "a highlight word, as a whole word");
  } finally {
    await database.drop();
  }
});
