/**
 * The user's own line shows exactly once from typing to its stored message,
 * in ChannelView mounted in the small DOM against a local HTTP server that
 * plays the app: a live stream the test writes to, and a send the test
 * answers when it wants.
 */
import { h, render as mount } from "preact";
import { act } from "preact/test-utils";
import ChannelView, { type ChannelViewProps } from "../../../islands/ChannelView.tsx";
import { enqueue, kick } from "../../../islands/outbox.ts";
import type { MessageJson } from "../../../lib/messages.ts";
import { assertEquals, waitFor } from "../../support/assert.ts";
import { SmallDocument, type SmallElement } from "../smallDom.ts";
import { channelViewProps } from "../fixtures.ts";

const encoder = new TextEncoder();
const document = new SmallDocument();
Object.defineProperty(globalThis, "document", { value: document, configurable: true });

const own = (id: number, content: string): MessageJson => ({
  id,
  server_id: 4,
  target: "#ruby",
  sender: "alice",
  content,
  message_type: "privmsg",
  created_at: "2026-01-02T03:04:05.000Z",
});

const props: ChannelViewProps = channelViewProps();

Deno.test({
  name:
    "usePendingLines: echo-message before the answer, and a 202 answered before the message, each show the line once",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    localStorage.clear();
    let live: ReadableStreamDefaultController<Uint8Array> | undefined;
    const answers: ((response: Response) => void)[] = [];
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/api/events") {
        const body = new ReadableStream<Uint8Array>({ start: (c) => void (live = c) });
        return new Response(body, { headers: { "content-type": "text/event-stream" } });
      }
      if (path === "/api/servers/4/messages" && request.method === "POST") {
        return new Promise<Response>((resolve) => answers.push(resolve));
      }
      return new Response("not found", { status: 404 });
    });
    const base = `http://127.0.0.1:${server.addr.port}`;
    const realFetch = globalThis.fetch;
    const RealEventSource = globalThis.EventSource;
    globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) =>
      realFetch(typeof input === "string" ? new URL(input, base) : input, init);
    globalThis.EventSource = class extends RealEventSource {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(new URL(url, base), init);
      }
    };
    const root = document.createElement("div");
    const send = (m: MessageJson, seq: number) =>
      live!.enqueue(encoder.encode(`event: message\nid: c4-${seq}\ndata: ${JSON.stringify(m)}\n\n`));
    const lines = (text: string) => root.all("li").filter((li) => li.textContent.includes(text));
    const pending = (text: string) =>
      lines(text).filter((li: SmallElement) => li.getAttribute("data-state") !== null);
    const settle = () => act(() => new Promise((resolve) => setTimeout(resolve, 50)));
    try {
      await act(() => mount(h(ChannelView, props), root as unknown as Element));
      await waitFor(() => live !== undefined, 5000, "the live stream");

      // echo-message: the stored line comes live while the send is not answered yet.
      await act(() => {
        enqueue(4, "#ruby", "first line");
        kick();
      });
      await waitFor(() => answers.length === 1, 5000, "the send");
      await act(() => send(own(20, "first line"), 1));
      await waitFor(
        async () => (await settle(), lines("first line").length > 0 && pending("first line").length === 0),
        5000,
        "its message",
      );
      assertEquals(lines("first line").length, 1, "shown once while the send is unanswered");
      await act(() => answers[0](Response.json(own(20, "first line"), { status: 201 })));
      await waitFor(
        async () => (await settle(), root.all("span").some((s) => s.getAttribute("class") === "delivered")),
        5000,
        "delivered",
      );
      assertEquals(lines("first line").length, 1, "and once after the answer");

      // A 202: taken, stored later; the line stays until its message comes.
      await act(() => {
        enqueue(4, "#ruby", "second line");
        kick();
      });
      await waitFor(() => answers.length === 2, 5000, "the second send");
      await act(() => answers[1](Response.json({ ok: true, pending: true }, { status: 202 })));
      await settle();
      await settle();
      assertEquals(lines("second line").length, 1, "the line stays shown after the 202");
      await act(() => send(own(21, "second line"), 2));
      await waitFor(async () => (await settle(), pending("second line").length === 0), 5000, "its message");
      assertEquals(lines("second line").length, 1, "shown once when its message comes");
    } finally {
      await act(() => mount(null, root as unknown as Element));
      live?.close();
      // A send the test never answered would hold the server's shutdown.
      for (const answer of answers) answer(new Response("gone", { status: 503 }));
      globalThis.fetch = realFetch;
      globalThis.EventSource = RealEventSource;
      localStorage.clear();
      await server.shutdown();
    }
  },
});
