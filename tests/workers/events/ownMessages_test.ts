import { assertEquals } from "../../support/assert.ts";
import { ownMessagesHandler } from "../../../workers/events/ownMessages.ts";
import { harness } from "./harness.ts";

const sent = (t: ReturnType<typeof harness>, line: string) => t.emit("raw", { line, from_server: false });

Deno.test("own messages handler: what we send is stored as we send it, CTCP ACTION as an action", () => {
  const t = harness([ownMessagesHandler]);
  sent(t, "PRIVMSG #chan :my message\r\n");
  sent(t, "PRIVMSG #chan :\x01ACTION dances\x01\n");
  sent(t, "NOTICE alice :my notice");
  sent(t, "PRIVMSG alice :with : colons");
  assertEquals(t.brief(), [
    ["privmsg", "#chan", "tester", "my message"],
    ["action", "#chan", "tester", "dances"],
    ["notice", "alice", "tester", "my notice"],
    ["privmsg", "alice", "tester", "with : colons"],
  ]);
});

Deno.test("own messages handler: other commands, CTCP requests and replies, and server lines are not stored", () => {
  const t = harness([ownMessagesHandler]);
  sent(t, "JOIN #chan");
  sent(t, "PRIVMSG bob :\x01VERSION\x01");
  sent(t, "NOTICE bob :\x01VERSION ircweb\x01");
  t.line(":bob!b@h PRIVMSG tester :from the server");
  assertEquals(t.stored, []);
});

Deno.test("own messages handler: with echo-message on, nothing is stored on send (the echo is)", () => {
  const t = harness([ownMessagesHandler]);
  (t.client.network.cap as unknown as { enabled: string[] }).enabled.push("echo-message");
  sent(t, "PRIVMSG #chan :my message");
  assertEquals(t.stored, []);
});
