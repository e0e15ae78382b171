import * as nav from "../../islands/serverNavState.ts";
import type { LiveEvent } from "../../islands/live.ts";
import type { MessageType } from "../../lib/db/schema.ts";
import { UNREAD_TYPES } from "../../lib/unread.ts";
import { assert, assertEquals } from "../support/assert.ts";
import { messageJson } from "./fixtures.ts";

const CAP = 5;

function servers(): nav.NavServer[] {
  return [
    {
      id: 1,
      name: "Libera",
      status: "connected",
      nick: "alice",
      windows: [
        { target: "#ruby", kind: "channel", joined: true, topic: null, unread: 0 },
        { target: "bob", kind: "query", joined: true, topic: null, unread: 2 },
      ],
    },
    { id: 2, name: "OFTC", status: "connected", nick: "alice", windows: [] },
  ];
}

function said(
  target: string | null,
  sender: string,
  content: string,
  type: MessageType = "privmsg",
): LiveEvent {
  return { type: "message", data: messageJson(1, { target, sender, content, message_type: type }) };
}

const window = (list: nav.NavServer[], target: string) => list[0].windows.find((w) => w.target === target);

Deno.test("nav state: a line by someone else counts in a closed window, a mention marks it", () => {
  const before = servers();
  const after = nav.applyLiveEvent(before, said("#Ruby", "bob", "hello"), null, CAP);
  assertEquals(window(after, "#ruby")?.unread, 1, "channel names compare as IRC does");
  assertEquals(window(after, "#ruby")?.mentions, 0);
  const mention = nav.applyLiveEvent(after, said("#ruby", "bob", "hi ALICE"), null, CAP);
  assertEquals(window(mention, "#ruby")?.unread, 2);
  assertEquals(window(mention, "#ruby")?.mentions, 1);
  assert(after[1] === before[1], "another server is left alone");
});

Deno.test("nav state: the open window and the user's own lines never count, and counts stop at the cap", () => {
  const open = { serverId: 1, target: "#RUBY" };
  assertEquals(
    window(nav.applyLiveEvent(servers(), said("#ruby", "bob", "hi"), open, CAP), "#ruby")?.unread,
    0,
  );
  const list = servers();
  assert(
    nav.applyLiveEvent(list, said("#ruby", "Alice", "mine"), null, CAP)[0] === list[0],
    "own line: unchanged",
  );
  let capped = servers();
  for (let i = 0; i < CAP + 3; i++) capped = nav.applyLiveEvent(capped, said("#ruby", "bob", "x"), null, CAP);
  assertEquals(window(capped, "#ruby")?.unread, CAP);
});

Deno.test("nav state: a new query opens a window, counted (a private line is a mention); the user's own opens it uncounted", () => {
  const fromCarol = nav.applyLiveEvent(servers(), said("carol", "carol", "psst"), null, CAP);
  assertEquals(window(fromCarol, "carol"), {
    target: "carol",
    kind: "query",
    joined: true,
    topic: null,
    unread: 1,
    mentions: 1,
  });
  const toDave = nav.applyLiveEvent(servers(), said("dave", "alice", "hi dave"), null, CAP);
  assertEquals(window(toDave, "dave")?.unread, 0);
  const channel = nav.applyLiveEvent(servers(), said("#new", "bob", "hello"), null, CAP);
  assertEquals(window(channel, "#new")?.kind, "channel");
});

Deno.test("nav state: only what people said counts; joins, parts and server lines do not", () => {
  for (const type of UNREAD_TYPES) {
    assertEquals(
      window(nav.applyLiveEvent(servers(), said("#ruby", "bob", "x", type), null, CAP), "#ruby")?.unread,
      1,
    );
  }
  for (const type of ["join", "part", "quit", "topic", "mode", "kick", "system", "error"] as const) {
    const list = servers();
    assert(nav.applyLiveEvent(list, said("#ruby", "bob", "x", type), null, CAP)[0] === list[0], type);
  }
  const list = servers();
  assert(
    nav.applyLiveEvent(list, said(null, "server", "notice", "notice"), null, CAP)[0] === list[0],
    "no target",
  );
});

Deno.test("nav state: the user's nick change, a status, and a channel's join state and topic", () => {
  const renamed = nav.applyLiveEvent(servers(), said(null, "Alice", "alice2", "nick"), null, CAP);
  assertEquals(renamed[0].nick, "alice2");
  const other = nav.applyLiveEvent(servers(), said(null, "bob", "robert", "nick"), null, CAP);
  assertEquals(other[0].nick, "alice");

  const status = nav.applyLiveEvent(
    servers(),
    { type: "status", data: { server_id: 2, status: "error" } },
    null,
    CAP,
  );
  assertEquals([status[0].status, status[1].status], ["connected", "error"]);

  const parted = nav.applyLiveEvent(
    servers(),
    { type: "channel", data: { server_id: 1, name: "#RUBY", joined: false, topic: "gone" } },
    null,
    CAP,
  );
  assertEquals(window(parted, "#ruby"), {
    target: "#ruby",
    kind: "channel",
    joined: false,
    topic: "gone",
    unread: 0,
  });
  const joined = nav.applyLiveEvent(
    servers(),
    { type: "channel", data: { server_id: 1, name: "#deno", joined: true, topic: null } },
    null,
    CAP,
  );
  assertEquals(window(joined, "#deno")?.kind, "channel");
});

Deno.test("isOpenWindow: the server's own window and a channel are told apart", () => {
  assertEquals(nav.isOpenWindow({ serverId: 1, target: null }, 1, null), true);
  assertEquals(nav.isOpenWindow({ serverId: 1, target: null }, 1, "#ruby"), false);
  assertEquals(nav.isOpenWindow({ serverId: 1, target: "#Ruby" }, 1, "#ruby"), true);
  assertEquals(nav.isOpenWindow({ serverId: 1, target: "#ruby" }, 1, null), false);
  assertEquals(nav.isOpenWindow({ serverId: 1, target: "#ruby" }, 2, "#ruby"), false);
  assertEquals(nav.isOpenWindow(null, 1, null), false);
});

Deno.test("nav state: after a reconnect under an alternative nick, mentions are of that nick, not the old one", () => {
  // The worker registered as alice_ (alice was taken): no NICK line says so.
  const list = nav.withNick(servers(), 1, "alice_");
  assertEquals(list[0].nick, "alice_");
  assert(list[1] === servers()[1] || list[1].nick === "alice", "another server keeps its nick");
  const toNew = nav.applyLiveEvent(list, said("#ruby", "bob", "hi alice_, welcome"), null, CAP);
  assertEquals(window(toNew, "#ruby")?.mentions, 1, "the nick in use is a mention");
  const toOld = nav.applyLiveEvent(list, said("#ruby", "bob", "alice is away"), null, CAP);
  assertEquals(window(toOld, "#ruby")?.mentions, 0, "the old nick is someone else now");
  const own = nav.applyLiveEvent(list, said("#ruby", "alice_", "mine"), null, CAP);
  assertEquals(window(own, "#ruby")?.unread, 0, "the user's own lines under the new nick do not count");
});

Deno.test("nav state: highlight words are mentions too; the title's total leaves out the open window", () => {
  const words = ["ruby"];
  const list = nav.applyLiveEvent(servers(), said("#ruby", "bob", "Ruby 4 is out"), null, CAP, words);
  assertEquals(window(list, "#ruby")?.mentions, 1);
  assertEquals(
    window(nav.applyLiveEvent(servers(), said("#ruby", "bob", "rubyist"), null, CAP, words), "#ruby")
      ?.mentions,
    0,
  );
  const both = nav.applyLiveEvent(list, said("bob", "bob", "psst"), null, CAP);
  assertEquals(nav.mentionTotal(both, null), 2);
  assertEquals(nav.mentionTotal(both, { serverId: 1, target: "#RUBY" }), 1);
});

Deno.test("nav state: a window read on another device shows nothing unread", () => {
  const list = nav.applyLiveEvent(servers(), said("#ruby", "bob", "hi alice"), null, CAP);
  assertEquals(window(list, "#ruby")?.mentions, 1);
  const read = nav.applyLiveEvent(
    list,
    { type: "read", data: { server_id: 1, target: "#ruby", last_read_id: 1 } },
    null,
    CAP,
  );
  assertEquals([window(read, "#ruby")?.unread, window(read, "#ruby")?.mentions], [0, 0]);
  assertEquals(window(read, "bob")?.unread, 2, "other windows keep theirs");
  assert(
    nav.applyLiveEvent(
      read,
      { type: "read", data: { server_id: 1, target: "#ruby", last_read_id: 2 } },
      null,
      CAP,
    )[0] === read[0],
    "nothing to clear: unchanged",
  );
});

Deno.test("nav state: an ignored nick's lines count for nothing and open no window; others' still do", () => {
  const ignored = (serverId: number, sender: string | null) => serverId === 1 && sender === "spammer";
  const list = servers();
  assertEquals(
    nav.applyLiveEvent(list, said("#ruby", "spammer", "alice: buy"), null, CAP, [], ignored),
    list,
  );
  assertEquals(nav.applyLiveEvent(list, said("spammer", "spammer", "psst"), null, CAP, [], ignored), list);
  const after = nav.applyLiveEvent(list, said("#ruby", "carol", "alice: hi"), null, CAP, [], ignored);
  assertEquals([after[0].windows[0].unread, after[0].windows[0].mentions], [1, 1]);
});

Deno.test("nav state: windows moved by a step (clamped) or to a place, and closed", () => {
  const three = servers();
  three[0].windows.push({ target: "zed", kind: "query", joined: true, topic: null, unread: 0 });
  const names = (list: nav.NavServer[]) => list[0].windows.map((w) => w.target);
  assertEquals(names(nav.moveWindow(three, 1, "ZED", -1)), ["#ruby", "zed", "bob"]);
  assertEquals(
    names(nav.moveWindow(three, 1, "#ruby", -1)),
    ["#ruby", "bob", "zed"],
    "the top stays the top",
  );
  assertEquals(names(nav.moveWindow(three, 1, "#ruby", 5)), ["bob", "zed", "#ruby"]);
  assertEquals(names(nav.moveWindowTo(three, 1, "zed", 0)), ["zed", "#ruby", "bob"]);
  assertEquals(nav.moveWindow(three, 1, "nobody", 1), three, "an unknown window changes nothing");
  assertEquals(names(nav.withoutWindow(three, 1, "Bob")), ["#ruby", "zed"]);
  assertEquals(three[1], nav.withoutWindow(three, 1, "bob")[1], "other servers untouched");
});

Deno.test("nav state: leaving a channel that is not listed (closed) does not list it again", () => {
  const list = servers();
  const parted: LiveEvent = {
    type: "channel",
    data: { server_id: 1, name: "#gone", joined: false, topic: null },
  };
  assertEquals(nav.applyLiveEvent(list, parted, null, CAP), list);
  const joined: LiveEvent = {
    type: "channel",
    data: { server_id: 1, name: "#new", joined: true, topic: null },
  };
  assertEquals(nav.applyLiveEvent(list, joined, null, CAP)[0].windows.map((w) => w.target), [
    "#ruby",
    "bob",
    "#new",
  ]);
});
