import { assert, assertEquals } from "../support/assert.ts";
import { itemBytes, malformedItem, type WriteItem } from "../../workers/writeItem.ts";
import type { Member } from "../../lib/channelMembers.ts";

// Only the nick, the modes, the host and the away message matter here.
const member = (nick: string, fields: Partial<Member> = {}): Member => ({
  ...{ nick, modes: "", prefix: "", rank: 1, user: null, host: null },
  ...{ account: null, away: null, realname: null, ...fields },
});

// What a hostile or broken line can make a handler emit, cast past the types
// as a parser's output would be.
const item = (value: unknown) => value as WriteItem;

Deno.test("writeItem: what every handler emits passes", () => {
  const items: WriteItem[] = [
    { kind: "message", message: { target: "#t", sender: "bob", content: "hi", message_type: "privmsg" } },
    { kind: "message", message: { target: null, sender: null, content: "", message_type: "system" } },
    { kind: "channel", name: "#t", change: { joined: true } },
    { kind: "channel", name: "&local", change: { topic: "" } },
    { kind: "nickname", nick: "me" },
    { kind: "members", change: { kind: "clear" } },
    { kind: "members", change: { kind: "reset", channel: "#t", members: [member("a"), member("b")] } },
    { kind: "members", change: { kind: "put", channel: "#t", member: member("a", { modes: "o" }) } },
    { kind: "members", change: { kind: "remove", channel: "#t", nick: "a" } },
  ];
  for (const it of items) assertEquals(malformedItem(it), undefined, JSON.stringify(it));
});

Deno.test("writeItem: a field a row cannot hold is told, by what it is", () => {
  const message = (fields: object) =>
    item({
      kind: "message",
      message: { target: "#t", sender: "b", content: "x", message_type: "notice", ...fields },
    });
  assertEquals(malformedItem(message({ content: undefined })), "a notice message with missing fields");
  assertEquals(malformedItem(message({ target: 5 })), "a notice message with missing fields");
  assertEquals(malformedItem(message({ sender: undefined })), "a notice message with missing fields");

  for (const name of ["", "#a b", "#a,b", "#a\x00", "#a\x7f", `#${"x".repeat(200)}`, undefined]) {
    assertEquals(
      malformedItem(item({ kind: "channel", name, change: {} })),
      "a channel change with no valid channel name",
      JSON.stringify(name),
    );
  }
  assertEquals(malformedItem(item({ kind: "channel", name: `#${"x".repeat(199)}`, change: {} })), undefined);
  assertEquals(
    malformedItem(item({ kind: "channel", name: "#t", change: { topic: 3 } })),
    "a topic that is not text for #t",
  );
  assertEquals(malformedItem(item({ kind: "nickname", nick: "" })), "a nick change with no nick");
  assertEquals(malformedItem(item({ kind: "nickname", nick: null })), "a nick change with no nick");

  const members = (change: object) => malformedItem(item({ kind: "members", change }));
  assertEquals(
    members({ kind: "put", channel: "", member: member("a") }),
    "a member change with no valid channel name",
  );
  assertEquals(members({ kind: "remove", channel: "#t", nick: "" }), "a member removed with no nick");
  assertEquals(members({ kind: "put", channel: "#t", member: member("") }), "a member with no nick");
  assertEquals(
    members({ kind: "reset", channel: "#t", members: [member("a"), { ...member("b"), modes: undefined }] }),
    "a member with no nick",
  );
});

Deno.test("writeItem: an item's bytes are its text as UTF-16 and a share per object", () => {
  const message = (content: string) =>
    itemBytes({
      kind: "message",
      message: { target: "#t", sender: "bob", content, message_type: "privmsg" },
    });
  assertEquals(message("") + 2 * 1000, message("x".repeat(1000)));
  assertEquals(
    itemBytes({
      kind: "message",
      message: { target: null, sender: null, content: "ab", message_type: "system" },
    }) +
      2 * ("#t".length + "bob".length),
    message("ab"),
  );
  const clear = itemBytes({ kind: "members", change: { kind: "clear" } });
  assert(clear > 0, "an item with no text still costs its object");
  assertEquals(itemBytes({ kind: "nickname", nick: "abc" }), clear + 6);
  assertEquals(itemBytes({ kind: "channel", name: "#t", change: { topic: "hey" } }), clear + 2 * 5);
  assertEquals(
    itemBytes({ kind: "members", change: { kind: "remove", channel: "#t", nick: "a" } }),
    clear + 6,
  );
  // Each member of a reset costs an object of its own, and its nick, host and away message.
  const one = itemBytes({ kind: "members", change: { kind: "put", channel: "#t", member: member("a") } });
  assertEquals(one, 2 * clear + 2);
  const many = itemBytes({
    kind: "members",
    change: { kind: "reset", channel: "#t", members: [member("a"), member("bb", { host: "h", away: "zz" })] },
  });
  assertEquals(many, 3 * clear + 2 * (1 + 2 + 1 + 2));
});
