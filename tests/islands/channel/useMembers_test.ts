import { applyMembersEvent, compareMembers } from "../../../islands/channel/useMembers.ts";
import type { Member } from "../../../lib/channelMembers.ts";
import { assertEquals } from "../../support/assert.ts";

const member = (nick: string, rank = 2, fields: Partial<Member> = {}): Member => ({
  nick,
  modes: "",
  prefix: "",
  rank,
  user: null,
  host: null,
  account: null,
  away: null,
  realname: null,
  ...fields,
});

const event = (members: Member[], removed: string[] = []) => ({
  server_id: 1,
  channel: "#c",
  reset: false,
  members,
  removed,
});

Deno.test("useMembers: by rank, then by name as IRC compares it (case and [] {} alike), then as typed", () => {
  const sorted = [
    member("bob"),
    member("Zed", 0),
    member("alice", 1),
    member("[x]"),
    member("Bob"),
    member("amy"),
  ]
    .sort(compareMembers).map((m) => m.nick);
  assertEquals(sorted, ["Zed", "alice", "amy", "Bob", "bob", "[x]"]);
});

Deno.test("useMembers: an event puts whole rows and removes nicks, whatever their case; a rename is both", () => {
  let list = [member("bob"), member("carol", 0, { modes: "o", prefix: "@" })];
  list = applyMembersEvent(list, event([member("dave"), member("BOB", 2, { away: "lunch" })]));
  assertEquals(list.map((m) => [m.nick, m.away]), [["carol", null], ["BOB", "lunch"], ["dave", null]]);
  list = applyMembersEvent(list, event([member("zoe", 0, { modes: "o", prefix: "@" })], ["Carol"]));
  assertEquals(list.map((m) => m.prefix + m.nick), ["@zoe", "BOB", "dave"]);
  // Applied twice (a change that arrived while the list was being read): the same.
  assertEquals(applyMembersEvent(list, event([member("dave")])), list);
});
