import { Hono } from "hono";
import { assertEquals } from "../../support/assert.ts";
import { allowedHostsOnly } from "../../../routes/middleware/security.ts";

Deno.test("allowed hosts: a request naming another host is refused before any route (DNS rebinding)", async () => {
  const app = new Hono();
  app.use("*", allowedHostsOnly(["localhost", "127.0.0.1", "[::1]"]));
  app.post("/setup", (c) => c.text("created"));
  for (
    const url of ["http://127.0.0.1:8000/setup", "http://LOCALHOST:8000/setup", "http://[::1]:8000/setup"]
  ) {
    assertEquals((await app.request(url, { method: "POST" })).status, 200, url);
  }
  for (const url of ["http://evil.example:8000/setup", "http://127.0.0.1.evil.example:8000/setup"]) {
    const refused = await app.request(url, { method: "POST" });
    assertEquals(refused.status, 421, url);
    assertEquals((await refused.text()).startsWith("Unknown host"), true);
  }
  const any = new Hono().use("*", allowedHostsOnly(undefined)).get("/", (c) => c.text("ok"));
  assertEquals((await any.request("http://anything.example/")).status, 200);
});
