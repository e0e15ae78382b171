import { h, options, render as mount, type VNode } from "preact";
import { act } from "preact/test-utils";
import { renderToString } from "preact-render-to-string";
import ChannelView, { type ChannelViewProps } from "../../islands/ChannelView.tsx";
import { Composer } from "../../islands/channel/Composer.tsx";
import { inWindow } from "../../islands/channel/window.ts";
import { MessageLine } from "../../islands/MessageLine.tsx";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { SmallDocument, type SmallElement } from "./smallDom.ts";
import { channelViewProps } from "./fixtures.ts";

const base: ChannelViewProps = channelViewProps({
  topic: "Ruby <3 \x02live\x02",
  messages: [{
    id: 9,
    server_id: 4,
    target: "#ruby",
    sender: "bob",
    content: "hi",
    message_type: "privmsg",
    created_at: "2026-01-02T03:04:05.000Z",
  }],
  hasMore: true,
});

const render = (props: Partial<ChannelViewProps> = {}) =>
  renderToString(h(ChannelView, { ...base, ...props }));

Deno.test("ChannelView: the window as the server renders it, before any script runs", () => {
  const html = render();
  assertMatch(html, /<h1>#ruby<\/h1><span class="window-server">Libera<\/span>/);
  assertMatch(html, /<span class="own-nick" title="Your nick">alice<\/span>/);
  assertMatch(html, /data-status="connected"/);
  assertMatch(
    html,
    /<p class="topic" title="Ruby &lt;3 live"><span class="irc-text">Ruby &lt;3 <span class="irc-b">live<\/span><\/span><\/p>/,
  );
  assertMatch(html, /<button type="button" class="load-older">Load older messages<\/button>/);
  assertMatch(html, /<li class="msg msg-privmsg" data-id="9">/);
  // The input works as a plain form without JavaScript.
  assertMatch(html, /<form class="composer" method="post" action="\/servers\/4\/send">/);
  assertMatch(html, /<input type="hidden" name="target" value="#ruby"\/>/);
  assertMatch(html, /name="content"/);
  assert(!html.includes("notice-bar"), "no warning while all is well");
});

Deno.test("ChannelView: a channel the user is not in says how to join it", () => {
  assertMatch(render({ joined: false }), /You are not in #ruby\. Type \/join #ruby to join it\./);
  assert(!render({ target: "bob", joined: true }).includes("You are not in"));
});

Deno.test("ChannelView: a refused line comes back in the input, with the reason next to it", () => {
  const html = render({ draft: "hello <you>", error: "Server not connected" });
  assertMatch(html, />hello &lt;you><\/textarea>/);
  assertMatch(html, /<p id="composer-error" class="composer-error" role="alert">Server not connected<\/p>/);
  assertMatch(html, /aria-describedby="composer-error"/);
});

Deno.test("ChannelView: the server's own window takes commands and leads back to the list", () => {
  const html = render({ target: null, topic: null, hasMore: false });
  assertMatch(html, /<h1>Libera<\/h1>/);
  assertMatch(html, /<input type="hidden" name="target" value(="")?\/>/);
  assertMatch(html, /placeholder="Type a command: \/join #channel/);
  assertMatch(html, /<a class="nav-toggle" href="#windows" data-nav-toggle/);
  assertMatch(html, /Start of the history/);
});

Deno.test("ChannelView: a message belongs to the window of its own target and server, not where it was typed", () => {
  // `/msg Bob hi` typed in #ruby is stored for bob: the answer to the send
  // must not show it in #ruby (nor hide its live event from the navigation).
  const toBob = { ...base.messages[0], target: "Bob", sender: "alice" };
  assertEquals(inWindow(toBob, 4, "#ruby"), false);
  assertEquals(inWindow(toBob, 4, null), false, "nor in the server's window");
  assertEquals(inWindow(toBob, 4, "bob"), true, "nicks compare as IRC does");
  assertEquals(inWindow({ ...toBob, target: "#Ruby" }, 4, "#ruby"), true);
  assertEquals(inWindow({ ...toBob, target: "#ruby" }, 5, "#ruby"), false, "another server's #ruby");
  assertEquals(inWindow({ ...toBob, target: null }, 4, null), true);
  assertEquals(inWindow({ ...toBob, target: null }, 4, "#ruby"), false);
});

// ChannelView mounted and updated by Preact (in `smallDom.ts`), counting what each keystroke redraws.
const document = new SmallDocument();
Object.defineProperty(globalThis, "document", { value: document, configurable: true });
// No live stream here (live.ts does without one, as a browser lacking EventSource would).
Object.defineProperty(globalThis, "EventSource", { value: undefined, configurable: true, writable: true });

// Preact calls `options.__r` (its render hook, which preact/hooks and
// preact-render-to-string use too) just before each component renders.
type RenderHook = { __r?: (vnode: VNode) => void };
const renders = new Map<unknown, number>();
const previous = (options as RenderHook).__r;
(options as RenderHook).__r = (vnode) => {
  renders.set(vnode.type, (renders.get(vnode.type) ?? 0) + 1);
  previous?.(vnode);
};
const count = (type: unknown) => renders.get(type) ?? 0;

const typingProps: ChannelViewProps = {
  ...base,
  hasMore: false,
  messages: [9, 10, 11].map((id) => ({ ...base.messages[0], id })),
};

Deno.test({
  name: "ChannelView: a keystroke redraws the input, not the window; a send redraws no message line",
  // The outbox listens to the page for good, as it does in a browser.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    // Deno keeps localStorage between runs: no outbox lines from an earlier one.
    localStorage.clear();
    const root = document.createElement("div");
    await act(() => mount(h(ChannelView, typingProps), root as unknown as Element));
    assertEquals(root.all("li").filter((li) => li.getAttribute("data-id") !== null).length, 3);
    assertEquals(count(MessageLine) >= 3, true, "each line drawn");

    renders.clear();
    const input = root.all("textarea").find((i) => i.getAttribute("name") === "content")!;
    for (const typed of ["h", "he", "hel", "hell", "hello"]) {
      (input as SmallElement & { value: string }).value = typed;
      await act(() => input.fire("input"));
    }
    assertEquals(count(Composer), 5, "the input is drawn once a keystroke");
    assertEquals(count(ChannelView), 0, "the window is not drawn again");
    assertEquals(count(MessageLine), 0, "nor any message line");
    assertEquals((input as SmallElement & { value: string }).value, "hello");

    // Sending redraws the window (the line shows as pending), but not the lines already there.
    renders.clear();
    await act(() => root.all("form")[0].fire("submit"));
    assertEquals(count(ChannelView) >= 1, true, "the window is drawn again");
    assertEquals(root.all("li").filter((li) => li.getAttribute("data-state") !== null).length, 1);
    assertEquals(count(MessageLine), 0, "its message lines are not");

    await act(() => mount(null, root as unknown as Element));
    localStorage.clear();
  },
});
