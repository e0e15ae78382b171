/**
 * `/health` tells a starting app from a ready one, and every request during
 * the start gets a 503 that says to retry.
 */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { createTestDatabase } from "../support/database.ts";
import { healthRoutes, STARTING_RETRY_AFTER_S, startingResponse } from "../../routes/health.ts";

Deno.test("health: a started app with its database answers ready", async () => {
  const database = await createTestDatabase();
  try {
    const response = await healthRoutes(database.db).request("/health");
    assertEquals(response.status, 200);
    assertEquals(await response.json(), { ok: true });
  } finally {
    await database.drop();
  }
});

Deno.test("health: during the start, the API and /health answer 503 starting with Retry-After", async () => {
  for (const path of ["/health", "/api/servers"]) {
    const response = startingResponse(new Request(`http://127.0.0.1:8000${path}`));
    assertEquals(response.status, 503);
    assertEquals(response.headers.get("retry-after"), String(STARTING_RETRY_AFTER_S));
    const body = await response.json();
    assertEquals([body.ok, body.status], [false, "starting"]);
    assertMatch(body.error, /^Starting/);
  }
});

Deno.test("health: during the start, a browser gets a page that reloads itself", async () => {
  const response = startingResponse(
    new Request("http://127.0.0.1:8000/", { headers: { accept: "text/html,application/xhtml+xml" } }),
  );
  assertEquals(response.status, 503);
  assertEquals(response.headers.get("retry-after"), String(STARTING_RETRY_AFTER_S));
  assertMatch(response.headers.get("content-type") ?? "", /^text\/html/);
  assertMatch(await response.text(), /http-equiv="refresh"/);
});
