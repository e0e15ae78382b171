import type { OutboxEntry, OutboxEvent } from "../../islands/outbox.ts";
import { assert, assertEquals, waitFor } from "../support/assert.ts";
import { installPage } from "./page.ts";

const STORAGE_KEY = "ircweb.outbox.v1";

interface Sent {
  serverId: number;
  target: string | null;
  content: string;
  clientId: string;
}

/**
 * The app's `POST /api/servers/:id/messages` as the outbox meets it: a
 * stored line (`201` with its message), a line stored as nothing (`200`),
 * a refusal (`409` with the reason), and an app restarting (`503`, once).
 */
function startApp() {
  const sent: Sent[] = [];
  let restarting = 1;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const match = /^\/api\/servers\/(\d+)\/messages$/.exec(new URL(request.url).pathname);
    if (!match || request.method !== "POST") return new Response("not found", { status: 404 });
    const body = await request.json();
    if (body.content === "after a restart" && restarting-- > 0) return new Response("", { status: 503 });
    sent.push({
      serverId: Number(match[1]),
      target: body.target,
      content: body.content,
      clientId: body.client_id,
    });
    if (body.content.startsWith("/join")) return Response.json({ ok: true });
    if (body.content === "refused") return Response.json({ error: "Server not connected" }, { status: 409 });
    return Response.json({
      id: sent.length,
      server_id: Number(match[1]),
      target: body.target,
      sender: "alice",
      content: body.content,
      message_type: "privmsg",
      created_at: "2026-01-02T03:04:05.000Z",
    }, { status: 201 });
  });
  return { sent, server, base: `http://127.0.0.1:${server.addr.port}/` };
}

function stored(): OutboxEntry[] {
  return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "[]");
}

Deno.test({
  name:
    "outbox: lines kept across a reload are sent in order with their ids; a refused one stays with its reason; a restart is waited out",
  // The outbox listens to the page for good, as in a browser.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const app = startApp();
    try {
      installPage(app.base);
      // What an earlier page left: a line that was being sent when it went
      // away (sent again: a repeat is the lesser harm), and a broken entry.
      localStorage.setItem(
        STORAGE_KEY,
        JSON.stringify([
          {
            id: "left-1",
            serverId: 1,
            target: "#ruby",
            content: "from before",
            state: "sending",
            createdAt: 1,
          },
          { id: 7, content: "not an entry" },
        ]),
      );
      const outbox = await import("../../islands/outbox.ts");
      assertEquals(outbox.windowEntries(1, "#RUBY").map((e) => [e.id, e.state]), [["left-1", "queued"]]);

      const events: OutboxEvent[] = [];
      outbox.subscribeOutbox((event) => events.push(event));
      const second = outbox.enqueue(1, "#ruby", "hello");
      const refused = outbox.enqueue(1, "#ruby", "refused");
      const command = outbox.enqueue(1, null, "/join #deno");
      await waitFor(() => app.sent.length === 4, 5000, "four lines sent");

      assertEquals(app.sent, [
        { serverId: 1, target: "#ruby", content: "from before", clientId: "left-1" },
        { serverId: 1, target: "#ruby", content: "hello", clientId: second.id },
        { serverId: 1, target: "#ruby", content: "refused", clientId: refused.id },
        { serverId: 1, target: null, content: "/join #deno", clientId: command.id },
      ]);
      await waitFor(
        () => events.some((e) => e.type === "sent" && e.entry.id === command.id),
        5000,
        "the join taken",
      );
      const sent = events.filter((e) => e.type === "sent");
      assertEquals(sent.map((e) => e.type === "sent" && [e.entry.content, e.message?.id]), [
        ["from before", 1],
        ["hello", 2],
        ["/join #deno", undefined],
      ]);
      const failed = events.find((e) => e.type === "failed");
      assertEquals(failed?.type === "failed" && [failed.entry.id, failed.entry.error], [
        refused.id,
        "Server not connected",
      ]);
      assertEquals(outbox.windowEntries(1, "#ruby").map((e) => [e.content, e.state]), [[
        "refused",
        "failed",
      ]]);
      assertEquals(stored().map((e) => e.id), [refused.id], "what is left is stored too");
      assertEquals(outbox.windowEntries(1, null), []);

      // A failed line is not retried; dismissed, it is gone.
      outbox.kick();
      await new Promise((r) => setTimeout(r, 200));
      assertEquals(app.sent.length, 4);
      outbox.dismiss(refused.id);
      assertEquals(outbox.windowEntries(1, "#ruby"), []);
      assertEquals(stored(), []);

      // While the app restarts (503), the line waits, then goes once it is back.
      const later = outbox.enqueue(2, "bob", "after a restart");
      await waitFor(() => outbox.windowEntries(2, "bob")[0]?.state === "queued" && app.sent.length === 4);
      await waitFor(() => app.sent.length === 5, 10_000, "the line sent after the restart");
      assertEquals(app.sent[4], {
        serverId: 2,
        target: "bob",
        content: "after a restart",
        clientId: later.id,
      });
      await waitFor(() => outbox.windowEntries(2, "bob").length === 0);
      assert(
        !events.some((e) => e.type === "failed" && e.entry.id === later.id),
        "a restart is not a refusal",
      );
    } finally {
      localStorage.removeItem(STORAGE_KEY);
      await app.server.shutdown();
    }
  },
});
