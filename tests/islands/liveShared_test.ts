/**
 * Tabs sharing one live stream (islands/live.ts), in Deno, whose Web Locks
 * and BroadcastChannel are the browser's: each import of the module with a
 * query of its own is a tab. The stream is a local HTTP server the test
 * writes to. A tab that says it is behind what the stream's holder has in
 * memory makes it reopen from that older cursor; one within memory is
 * handed what it lacks; every tab sees each event once.
 */
import type { LiveEvent } from "../../islands/live.ts";
import { assertEquals, waitFor } from "../support/assert.ts";
import { messageJson } from "./fixtures.ts";
import { installPage } from "./page.ts";

type LiveModule = typeof import("../../islands/live.ts");

const encoder = new TextEncoder();
const frame = (seq: number) =>
  `event: message\nid: c1-${seq}\ndata: ${JSON.stringify(messageJson(seq, { server_id: 1 }))}\n\n`;

Deno.test({
  name:
    "live, shared: a tab behind the holder's memory reopens the stream from its cursor; one within it is handed the rest; each event once",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const cursors: (string | null)[] = [];
    const held: ReadableStreamDefaultController<Uint8Array>[] = [];
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
      const url = new URL(request.url);
      if (url.pathname !== "/api/events") return new Response("not found", { status: 404 });
      const cursor = url.searchParams.get("last_event_id");
      cursors.push(cursor);
      const from = Number(/^c1-(\d+)$/.exec(cursor ?? "")?.[1] ?? 0);
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          held.push(controller);
          controller.enqueue(encoder.encode("retry: 50\n\n"));
          for (let seq = from + 1; seq <= 8; seq++) controller.enqueue(encoder.encode(frame(seq)));
          controller.enqueue(encoder.encode("event: ready\nid: c1-8\ndata: {}\n\n"));
        },
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    });
    const meta: Record<string, string> = { "event-cursor": "c1-5" };
    installPage(`http://127.0.0.1:${server.addr.port}/`, meta);
    const tab = async (name: string, cursor: string) => {
      meta["event-cursor"] = cursor;
      const live: LiveModule = await import(`../../islands/live.ts?tab=${name}`);
      const seen: number[] = [];
      live.onLiveEvent((event: LiveEvent) => {
        if (event.type === "message") seen.push(event.data.id);
      });
      return seen;
    };
    try {
      const a = await tab("a", "c1-5");
      await waitFor(() => a.length === 3, 5000, "the holder's events");
      // Rendered earlier than the holder's stream starts: 3 to 5 are not in its memory.
      const b = await tab("b", "c1-2");
      await waitFor(() => b.length === 6, 5000, "the behind tab's events");
      // Rendered after 7: handed 8 from memory, no new stream.
      const c = await tab("c", "c1-7");
      await waitFor(() => c.length === 1, 5000, "the last tab's event");
      await new Promise((resolve) => setTimeout(resolve, 200));
      assertEquals(a, [6, 7, 8], "the holder: each once, the replay from 2 dropped");
      assertEquals(b, [3, 4, 5, 6, 7, 8]);
      assertEquals(c, [8]);
      assertEquals(cursors, ["c1-5", "c1-2"], "reopened once, from the older cursor");
    } finally {
      for (const controller of held) {
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      }
      await server.shutdown();
    }
  },
});
