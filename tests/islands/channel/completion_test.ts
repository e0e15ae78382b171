import { assertEquals } from "../../support/assert.ts";
import { complete, completionNicks } from "../../../islands/channel/completion.ts";

const commands = ["join", "whois", "who", "list"];

Deno.test("completion: a command after a leading /, cycling through the matches", () => {
  const first = complete("/wh", 3, commands, [], null)!;
  assertEquals([first.text, first.caret], ["/whois ", 7]);
  const second = complete(first.text, first.caret, commands, [], first.cycle)!;
  assertEquals(second.text, "/who ");
  assertEquals(complete(second.text, second.caret, commands, [], second.cycle)!.text, "/whois ");
  assertEquals(complete("/zz", 3, commands, [], null), null);
});

Deno.test("completion: a nick, addressed at the start of the line, plain inside it", () => {
  const nicks = ["Bob", "bobby", "alice", "BOB"];
  assertEquals(complete("bo", 2, commands, nicks, null)!.text, "Bob: ");
  const mid = complete("hi bo and", 5, commands, nicks, null)!;
  assertEquals([mid.text, mid.caret], ["hi Bob and", 7]);
  const next = complete(mid.text, mid.caret, commands, nicks, mid.cycle)!;
  assertEquals(next.text, "hi bobby and");
  // The same nick in two cases is one match.
  assertEquals(complete(next.text, next.caret, commands, nicks, next.cycle)!.text, "hi Bob and");
  assertEquals(complete("hi ", 3, commands, nicks, null), null);
  assertEquals(complete("/whois al", 9, commands, nicks, null)!.text, "/whois alice ");
});

Deno.test("completion: recent speakers first, then members, never our own nick", () => {
  const messages = [{ sender: "carol" }, { sender: null }, { sender: "Me" }, { sender: "dave" }];
  assertEquals(completionNicks(messages, ["erin", "me"], "me"), ["dave", "carol", "erin"]);
});
