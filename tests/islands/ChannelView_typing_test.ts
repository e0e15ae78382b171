/**
 * ChannelView mounted and updated by Preact (in `smallDom.ts`), counting
 * what each keystroke redraws.
 */
import { h, options, render, type VNode } from "preact";
import { act } from "preact/test-utils";
import ChannelView, { type ChannelViewProps } from "../../islands/ChannelView.tsx";
import { Composer } from "../../islands/channel/Composer.tsx";
import { MessageLine } from "../../islands/MessageLine.tsx";
import type { MessageJson } from "../../lib/messages.ts";
import { assertEquals } from "../support/assert.ts";
import { SmallDocument, type SmallElement } from "./smallDom.ts";

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

function message(id: number): MessageJson {
  return {
    id,
    server_id: 4,
    target: "#ruby",
    sender: "bob",
    content: `line ${id}`,
    message_type: "privmsg",
    created_at: "2026-01-02T03:04:05.000Z",
  };
}

const props: ChannelViewProps = {
  serverId: 4,
  serverName: "Libera",
  target: "#ruby",
  nick: "alice",
  status: "connected",
  statusError: null,
  topic: null,
  joined: true,
  messages: [message(1), message(2), message(3)],
  hasMore: false,
  pageSize: 100,
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
    await act(() => render(h(ChannelView, props), root as unknown as Element));
    assertEquals(root.all("li").length, 3);
    assertEquals(count(MessageLine) >= 3, true, "each line drawn");

    renders.clear();
    const input = root.all("input").find((i) => i.getAttribute("name") === "content")!;
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

    await act(() => render(null, root as unknown as Element));
    localStorage.clear();
  },
});
