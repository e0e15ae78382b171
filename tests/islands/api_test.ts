import { apiRequest, fetchMessages, markRead, sendLine } from "../../islands/api.ts";
import { assertEquals } from "../support/assert.ts";
import { installPage } from "./page.ts";

Deno.test("api: every outcome is a value: the answer, the API's error text, a session ended, or no connection", async () => {
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const url = new URL(request.url);
    seen.push(
      `${request.method} ${url.pathname}${url.search} ${
        request.method === "POST" ? await request.text() : ""
      }`,
    );
    switch (url.pathname) {
      case "/ok":
        return Response.json({ hello: "you" });
      case "/refused":
        return Response.json({ error: "Server not connected" }, { status: 409 });
      case "/proxy":
        return new Response("<html>Bad gateway</html>", { status: 502 });
      case "/session":
        return Response.json({ error: "Not signed in" }, { status: 401 });
      case "/api/servers/3/messages":
        return request.method === "GET"
          ? Response.json([])
          : Response.json({ ok: true, pending: true }, { status: 202 });
      default:
        return new Response(null, { status: 204 });
    }
  });
  try {
    installPage(`http://127.0.0.1:${server.addr.port}/`);
    assertEquals(await apiRequest("GET", "/ok"), { ok: true, status: 200, data: { hello: "you" } });
    assertEquals(await apiRequest("GET", "/refused"), {
      ok: false,
      status: 409,
      error: "Server not connected",
      offline: false,
    });
    assertEquals(await apiRequest("GET", "/proxy"), {
      ok: false,
      status: 502,
      error: "The app answered 502",
      offline: false,
    });
    assertEquals(await apiRequest("GET", "/session"), {
      ok: false,
      status: 401,
      error: "Your session has ended: log in again",
      offline: false,
    });

    assertEquals(await fetchMessages(3, { target: "#a b", limit: 50, before: 9 }), {
      ok: true,
      status: 200,
      data: [],
    });
    assertEquals(await fetchMessages(3, { target: null, limit: 50 }), { ok: true, status: 200, data: [] });
    assertEquals(await sendLine(3, { target: null, content: "/join #deno", clientId: "c-1" }), {
      ok: true,
      status: 202,
      data: undefined,
    });
    assertEquals(await markRead(3, "#deno", 12), { ok: true, status: 204, data: undefined });
    assertEquals(seen.slice(4), [
      "GET /api/servers/3/messages?limit=50&target=%23a+b&before=9 ",
      "GET /api/servers/3/messages?limit=50 ",
      'POST /api/servers/3/messages {"target":null,"content":"/join #deno","client_id":"c-1"}',
      'POST /servers/3/read {"target":"#deno","id":12}',
    ]);
  } finally {
    await server.shutdown();
  }
  // Nothing listens there any more.
  assertEquals(await apiRequest("GET", "/ok"), {
    ok: false,
    status: 0,
    error: "No connection to the app",
    offline: true,
  });
});
