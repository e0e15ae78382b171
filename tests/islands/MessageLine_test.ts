import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { formatTime, MessageLine, nickColour } from "../../islands/MessageLine.tsx";
import type { MessageJson } from "../../lib/messages.ts";
import type { MessageType } from "../../lib/db/schema.ts";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";

function message(type: MessageType, sender: string | null, content: string): MessageJson {
  return {
    id: 7,
    server_id: 1,
    target: "#ruby",
    sender,
    content,
    message_type: type,
    created_at: "2026-01-02T03:04:05.000Z",
  };
}

function render(m: MessageJson, options: { delivered?: boolean; localTime?: boolean } = {}): string {
  return renderToString(
    h(MessageLine, {
      message: m,
      nick: "alice",
      localTime: options.localTime ?? false,
      delivered: options.delivered,
    }),
  );
}

/** The visible text of rendered HTML. */
function text(html: string): string {
  return html.replace(/<[^>]+>/g, "").replaceAll("&lt;", "<").replaceAll("&amp;", "&").replaceAll(
    "&quot;",
    '"',
  );
}

Deno.test("MessageLine: each kind of message reads as a sentence", () => {
  const cases: [MessageType, string | null, string, string][] = [
    ["privmsg", "bob", "hello", "03:04bob hello"],
    ["action", "bob", "waves", "03:04* bob waves"],
    ["notice", "bob", "psst", "03:04-bob- psst"],
    ["join", "bob", "bob@host", "03:04→ bob joined"],
    ["part", "bob", "bye", "03:04← bob left (bye)"],
    ["part", "bob", "", "03:04← bob left "],
    ["quit", "bob", "Ping timeout", "03:04← bob quit (Ping timeout)"],
    ["nick", "bob", "robert", "03:04bob is now known as robert"],
    ["topic", "bob", "Ruby talk", "03:04bob changed the topic to: Ruby talk"],
    ["kick", "op", "bob spamming links", "03:04op kicked bob (spamming links)"],
    ["mode", "op", "+o bob", "03:04op sets mode +o bob"],
    ["error", null, "Closing link", "03:04Closing link"],
    ["system", null, "Welcome", "03:04Welcome"],
  ];
  for (const [type, sender, content, expected] of cases) {
    assertEquals(text(render(message(type, sender, content))), expected, type);
  }
});

Deno.test("MessageLine: own lines, mentions by others, and the delivered mark", () => {
  const own = render(message("privmsg", "Alice", "hi alice"), { delivered: true });
  assertMatch(own, /class="msg msg-privmsg own"/);
  assert(!own.includes("<mark"), "the user's own line does not highlight their nick");
  assertMatch(own, /<span class="delivered" title="Delivered">✓<\/span>/);

  const mention = render(message("privmsg", "bob", "ping ALICE"));
  assertMatch(mention, /class="msg msg-privmsg mention-line"/);
  assertMatch(mention, /<mark class="mention">ALICE<\/mark>/);
  assert(!mention.includes("delivered"));

  // A join naming the nick is not a mention.
  assert(!render(message("join", "alice_", "alice@host")).includes("mention-line"));
});

Deno.test("MessageLine: text from IRC is escaped, and the time is UTC until the browser takes over", () => {
  const html = render(message("privmsg", "<b>bob</b>", "<img src=x onerror=alert(1)>"));
  assert(!html.includes("<img") && !html.includes("<b>bob"), html);
  assertMatch(
    html,
    /<time datetime="2026-01-02T03:04:05.000Z" title="2026-01-02T03:04:05.000Z">03:04<\/time>/,
  );
  assertEquals(formatTime("2026-01-02T23:59:00.000Z", false), "23:59");
  const local = new Date("2026-01-02T23:59:00.000Z");
  assertEquals(
    formatTime(local.toISOString(), true),
    `${String(local.getHours()).padStart(2, "0")}:${String(local.getMinutes()).padStart(2, "0")}`,
  );
});

Deno.test("nickColour: the same nick, whatever its case, always gets the same colour", () => {
  assertEquals(nickColour("Bob"), nickColour("bob"));
  assertMatch(nickColour("carol"), /^nick-c([0-9]|1[01])$/);
  const colours = new Set(["alice", "bob", "carol", "dave", "erin", "frank", "grace"].map(nickColour));
  assert(colours.size > 1, "nicks are spread over the colours");
});

Deno.test("MessageLine: a message of several lines keeps them, in monospace with its spaces when it is drawn", () => {
  const art = render(message("system", null, "-  _   _ \n- | |_| |\n- |  _  |"));
  assertMatch(art, /class="msg msg-system msg-lines msg-art"/);
  assertMatch(art, /- \| \|_\| \|/);
  const whois = render(message("system", null, "alice is alice@host\nalice is on #ruby"));
  assertMatch(whois, /class="msg msg-system msg-lines"/);
  assertMatch(render(message("privmsg", "bob", "one line")), /class="msg msg-privmsg"/);
});
