import { assertEquals } from "../../support/assert.ts";
import { ChannelUsers } from "../../../workers/events/channelUsers.ts";

const lower = (name: string) => name.toLowerCase();

Deno.test("channel users: members by channel, compared with the server's case mapping", () => {
  const users = new ChannelUsers(lower);
  users.set("#Chan", ["tester", "Bob"]);
  users.add("#other", "bob");
  assertEquals(users.channelsOf("BOB"), ["#Chan", "#other"]);
  users.remove("#CHAN", "bob");
  assertEquals(users.channelsOf("bob"), ["#other"]);
  users.set("#other", ["tester"]);
  assertEquals(users.channelsOf("bob"), [], "a NAMES reply replaces the list");
});

Deno.test("channel users: a quit leaves every channel and says which they were", () => {
  const users = new ChannelUsers(lower);
  users.set("#a", ["bob", "carol"]);
  users.set("#b", ["bob"]);
  assertEquals(users.quit("Bob"), ["#a", "#b"]);
  assertEquals([users.channelsOf("bob"), users.channelsOf("carol")], [[], ["#a"]]);
  assertEquals(users.quit("nobody"), []);
});

Deno.test("channel users: a rename keeps the channels under the new nick", () => {
  const users = new ChannelUsers(lower);
  users.set("#a", ["bob"]);
  users.set("#b", ["bob", "carol"]);
  assertEquals(users.rename("bob", "Bobby"), ["#a", "#b"]);
  assertEquals([users.channelsOf("bob"), users.channelsOf("bobby")], [[], ["#a", "#b"]]);
});

Deno.test("channel users: a channel we left is forgotten; a closed connection forgets all", () => {
  const users = new ChannelUsers(lower);
  users.set("#a", ["bob"]);
  users.set("#b", ["bob"]);
  users.forget("#A");
  assertEquals(users.channelsOf("bob"), ["#b"]);
  users.clear();
  assertEquals(users.channelsOf("bob"), []);
});
