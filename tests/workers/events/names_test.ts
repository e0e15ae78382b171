import { assertEquals } from "../../support/assert.ts";
import { namesHandler } from "../../../workers/events/names.ts";
import { harness } from "./harness.ts";

Deno.test("names handler: a NAMES reply sets who is in the channel, prefixes dropped; nothing is stored", () => {
  const t = harness([namesHandler]);
  t.line(":fake.irc 353 tester = #chan :tester bob @carol +dave");
  t.line(":fake.irc 366 tester #chan :End of /NAMES list.");
  assertEquals(t.users.channelsOf("carol"), ["#chan"]);
  assertEquals(t.users.channelsOf("dave"), ["#chan"]);
  assertEquals(t.users.channelsOf("@carol"), []);
  assertEquals(t.stored, []);
  // A second reply replaces the first.
  t.line(":fake.irc 353 tester = #chan :tester bob");
  t.line(":fake.irc 366 tester #chan :End of /NAMES list.");
  assertEquals(t.users.channelsOf("carol"), []);
});

Deno.test("names handler: a closed connection forgets every member", () => {
  const t = harness([namesHandler]);
  t.line(":fake.irc 353 tester = #chan :tester bob");
  t.line(":fake.irc 366 tester #chan :End of /NAMES list.");
  t.emit("close", undefined);
  assertEquals(t.users.channelsOf("bob"), []);
});

Deno.test("names handler: a reply with no channel or no user list is ignored", () => {
  const t = harness([namesHandler]);
  t.emit("userlist", { channel: "", users: [{ nick: "bob" }] });
  t.emit("userlist", { channel: "#chan", users: "bob" });
  t.emit("userlist", { channel: "#chan", users: [null, { nick: 4 }, { nick: "erin" }] });
  assertEquals(t.users.channelsOf("bob"), []);
  assertEquals(t.users.channelsOf("erin"), ["#chan"]);
});
