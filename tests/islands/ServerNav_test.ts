import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import ServerNav, { windowUrl } from "../../islands/ServerNav.tsx";
import type { NavServer } from "../../islands/serverNavState.ts";
import { UNREAD_CAP } from "../../lib/windows.ts";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";

const servers: NavServer[] = [
  {
    id: 1,
    name: "Libera",
    status: "connected",
    nick: "alice",
    windows: [
      { target: "#ruby", kind: "channel", joined: true, topic: null, unread: 3 },
      { target: "#old", kind: "channel", joined: false, topic: null, unread: 0 },
      { target: "#busy", kind: "channel", joined: true, topic: null, unread: UNREAD_CAP },
      { target: "bob", kind: "query", joined: true, topic: null, unread: 1 },
    ],
  },
  { id: 2, name: "<OFTC>", status: "error", nick: "alice", windows: [] },
];

function render(current: { serverId: number; target: string | null } | null): string {
  return renderToString(h(ServerNav, { servers, current, unreadCap: UNREAD_CAP }));
}

Deno.test("ServerNav: servers with their status, windows with unread counts, capped", () => {
  const html = render(null);
  assertMatch(html, /<span class="dot status-connected"[^>]*><\/span><span class="nav-name">Libera<\/span>/);
  assertMatch(html, /<span class="nav-name">&lt;OFTC><\/span>/);
  assertMatch(html, /<span class="unread" aria-label="3 unread">3<\/span>/);
  assertMatch(html, /aria-label="100 unread">99\+<\/span>/);
  assertMatch(html, /class="nav-window parted"[^>]*><span class="nav-name">#old/);
  assertMatch(html, /href="\/servers\/1\/chat\/%23ruby"/);
  assertMatch(html, /href="\/servers\/1\/chat\/bob"/);
  assertMatch(html, /href="\/servers\/new"/);
});

Deno.test("ServerNav: the open window is marked and shows no unread count", () => {
  const html = render({ serverId: 1, target: "#RUBY" });
  assertMatch(html, /<a href="\/servers\/1\/chat\/%23ruby" class="nav-window" aria-current="page"[^>]*>/);
  assert(!html.includes('aria-label="3 unread"'), "the open window's count is not shown");
  const server = render({ serverId: 2, target: null });
  assertMatch(server, /<a href="\/servers\/2" class="nav-server-link" aria-current="page">/);
});

Deno.test("windowUrl: channel names are encoded into one path segment", () => {
  assertEquals(windowUrl(3, null), "/servers/3");
  assertEquals(windowUrl(3, "#a/b?c"), "/servers/3/chat/%23a%2Fb%3Fc");
});
