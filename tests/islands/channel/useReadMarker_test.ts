import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import ChannelView, { type ChannelViewProps } from "../../../islands/ChannelView.tsx";
import { firstUnreadId, shownWithJoins } from "../../../islands/channel/useReadMarker.ts";
import { formatTime } from "../../../islands/MessageLine.tsx";
import { assert, assertEquals, assertMatch } from "../../support/assert.ts";
import { channelViewProps, messageJson } from "../fixtures.ts";

const lines = [
  messageJson(9, { sender: "bob", content: "read already" }),
  messageJson(10, { sender: "alice", content: "my own" }),
  messageJson(11, { sender: "carol", content: "", message_type: "join" }),
  messageJson(12, { sender: "carol", content: "new to me" }),
  messageJson(13, { sender: "bob", content: "and this" }),
];

Deno.test("firstUnreadId: the first line said by someone else after the marker; none when never read or all read", () => {
  assertEquals(
    firstUnreadId(lines, 9, "alice"),
    12,
    "the user's own line and a join are not where reading stopped",
  );
  assertEquals(firstUnreadId(lines, 13, "alice"), undefined);
  assertEquals(firstUnreadId(lines, 0, "alice"), undefined);
  assertEquals(shownWithJoins(lines[2], false), false);
  assertEquals(shownWithJoins(lines[2], true), true);
  assertEquals(shownWithJoins(lines[3], false), true);
});

Deno.test("ChannelView: the new-messages divider where the user stopped reading; joins hidden and times as the settings say", () => {
  const props: ChannelViewProps = channelViewProps({
    serverId: 1,
    messages: lines.map((m) => ({ ...m, server_id: 1, target: "#ruby" })),
    lastReadId: 10,
    showJoinsParts: false,
    timeFormat: "24h-seconds",
    highlightWords: ["this"],
  });
  const html = renderToString(h(ChannelView, props));
  assertMatch(
    html,
    /<li class="new-messages" role="separator">New messages<\/li><li class="msg msg-privmsg"[^>]*data-id="12"/,
  );
  assertEquals(html.match(/new-messages/g)?.length, 1);
  assert(!html.includes('data-id="11"'), "the join is hidden");
  assertMatch(html, /data-id="13"/);
  assertMatch(html, /class="msg msg-privmsg mention-line" data-id="13"/, "a highlight word marks its line");
  assertEquals(formatTime("2026-01-02T15:04:05.000Z", false, "24h-seconds"), "15:04:05");
  assertEquals(formatTime("2026-01-02T15:04:05.000Z", false, "12h"), "3:04 PM");
  assertEquals(formatTime("2026-01-02T00:04:05.000Z", false, "12h"), "12:04 AM");
  assertMatch(html, new RegExp(`>${formatTime(lines[3].created_at, false, "24h-seconds")}</time>`));
  const none = renderToString(h(ChannelView, { ...props, lastReadId: 13 }));
  assert(!none.includes("new-messages"), "nothing new, no divider");
});

Deno.test("ChannelView: a date separator before the first line of each day", () => {
  const days = [
    messageJson(1, { created_at: "2026-12-01T10:00:00.000Z" }),
    messageJson(2, { created_at: "2026-12-01T23:59:00.000Z" }),
    messageJson(3, { created_at: "2026-12-02T00:01:00.000Z" }),
  ].map((m) => ({ ...m, server_id: 1, target: "#ruby" }));
  const html = renderToString(h(ChannelView, channelViewProps({ serverId: 1, messages: days })));
  const separators = [
    ...html.matchAll(
      /<li class="day-separator" role="separator"><time datetime="([^"]+)">([^<]+)<\/time><\/li><li class="msg[^"]*" data-id="(\d+)"/g,
    ),
  ]
    .map((m) => [m[1], m[2], m[3]]);
  assertEquals(separators, [
    ["2026-12-01", "Tuesday, 1 December 2026", "1"],
    ["2026-12-02", "Wednesday, 2 December 2026", "3"],
  ]);
});
