import { Hono } from "hono";
import { assertEquals } from "../../support/assert.ts";
import { clientAddress, type ServeBindings } from "../../../routes/middleware/auth.ts";

/** What `clientAddress` says for a connection from `remote` carrying `forwarded`. */
async function addressOf(remote: string, forwarded: string | undefined, trusted: string[]): Promise<string> {
  const app = new Hono<{ Bindings: ServeBindings }>();
  app.get("/", (c) => c.text(clientAddress(c, trusted)));
  const headers = forwarded === undefined ? undefined : { "x-forwarded-for": forwarded };
  const env = { remoteAddr: { transport: "tcp" as const, hostname: remote, port: 50000 } };
  return await (await app.request("http://127.0.0.1/", { headers }, env)).text();
}

Deno.test("client address: X-Forwarded-For is believed only from a trusted proxy, as that proxy saw it", async () => {
  // Not behind a proxy: the header is anyone's to forge.
  assertEquals(await addressOf("203.0.113.5", "198.51.100.1", []), "203.0.113.5");
  assertEquals(await addressOf("203.0.113.5", "198.51.100.1", ["10.0.0.2"]), "203.0.113.5");
  // Behind one: the entry it added, not what the client wrote before it.
  assertEquals(await addressOf("10.0.0.2", "6.6.6.6, 198.51.100.1", ["10.0.0.2"]), "198.51.100.1");
  assertEquals(
    await addressOf("10.0.0.2", "198.51.100.1, 10.0.0.3", ["10.0.0.2", "10.0.0.3"]),
    "198.51.100.1",
  );
  assertEquals(await addressOf("10.0.0.2", undefined, ["10.0.0.2"]), "10.0.0.2");
});

Deno.test("client address: an IPv6 client counts as its /64", async () => {
  assertEquals(await addressOf("2001:db8:1:2:aaaa::1", undefined, []), "2001:db8:1:2::/64");
  assertEquals(
    await addressOf("2001:0db8:0001:0002:bbbb:cccc:dddd:eeee", undefined, []),
    "2001:db8:1:2::/64",
  );
  assertEquals(await addressOf("2001:db8::1", undefined, []), "2001:db8:0:0::/64");
  assertEquals(await addressOf("::1", undefined, []), "0:0:0:0::/64");
  assertEquals(await addressOf("::ffff:192.0.2.7", undefined, []), "192.0.2.7");
});
