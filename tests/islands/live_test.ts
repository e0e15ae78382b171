import {
  CURSOR_META,
  CURSOR_PARAM,
  markMessageSeen,
  onConnectionChange,
  onLiveEvent,
} from "../../islands/live.ts";
import type { LiveEvent } from "../../islands/live.ts";
import { assertEquals, waitFor } from "../support/assert.ts";
import { messageJson } from "./fixtures.ts";
import { installPage } from "./page.ts";

const encoder = new TextEncoder();

const message = (id: number) => JSON.stringify(messageJson(id));

/** Streams held open, closed when the test ends. */
const held: ReadableStreamDefaultController<Uint8Array>[] = [];

/** A stream that sends `frames` and then stays open (`hold`) or ends. */
function stream(frames: string[], hold: boolean): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const frame of frames) controller.enqueue(encoder.encode(frame));
      if (hold) held.push(controller);
      else controller.close();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

Deno.test({
  name:
    "live: one stream from the page's cursor, each message once, reopened from the last event after the app refused it",
  // The page's stream stays open, as in a browser.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const requests: { cursor: string | null; lastEventId: string | null }[] = [];
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
      const url = new URL(request.url);
      if (url.pathname !== "/api/events") return new Response("not found", { status: 404 });
      requests.push({
        cursor: url.searchParams.get(CURSOR_PARAM),
        lastEventId: request.headers.get("last-event-id"),
      });
      switch (requests.length) {
        case 1:
          return stream([
            "retry: 50\n\n",
            `event: message\nid: c1\ndata: ${message(1)}\n\n`,
            // The same message again (a replay overlapping the live tail): not delivered twice.
            `event: message\nid: c2\ndata: ${message(1)}\n\n`,
            `event: status\nid: c3\ndata: {"server_id":1,"status":"connected"}\n\n`,
            "event: message\nid: c4\ndata: not json\n\n",
            "event: ready\nid: c5\ndata: {}\n\n",
          ], false);
        case 2:
          // The app restarting: the browser's EventSource gives up on this.
          return new Response("starting", { status: 503 });
        default:
          return stream([
            `event: message\nid: c6\ndata: ${message(2)}\n\n`,
            `event: message\nid: c7\ndata: ${message(3)}\n\n`,
          ], true);
      }
    });
    try {
      installPage(`http://127.0.0.1:${server.addr.port}/`, { [CURSOR_META]: "c0" });
      const events: LiveEvent[] = [];
      const connected: boolean[] = [];
      onLiveEvent((event) => events.push(event));
      onConnectionChange((up) => connected.push(up));
      // Message 3 is already on the page: nobody is handed it again.
      markMessageSeen(3);

      await waitFor(() => events.some((e) => e.type === "message" && e.data.id === 2), 10_000, "message 2")
        .catch((error) => {
          throw new Error(`${error.message}: ${JSON.stringify({ requests, events, connected })}`);
        });
      assertEquals(requests, [
        { cursor: "c0", lastEventId: null },
        { cursor: "c0", lastEventId: "c5" },
        { cursor: "c5", lastEventId: null },
      ]);
      assertEquals(events.map((e) => e.type === "message" ? `message ${e.data.id}` : e.type), [
        "message 1",
        "status",
        "message 2",
      ]);
      assertEquals(connected, [true, false, true]);
    } finally {
      for (const controller of held) controller.close();
      await server.shutdown();
    }
  },
});
