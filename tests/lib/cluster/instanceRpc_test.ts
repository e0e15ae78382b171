import { assertEquals } from "../../support/assert.ts";
import { PeerClient } from "../../../lib/cluster/instanceRpc.ts";

Deno.test("peer client: an instance that refuses the connection is unreachable (nothing was sent), not 'no answer'", async () => {
  // A port nothing listens on any more: the connect is refused.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  const client = new PeerClient(new Uint8Array(32), "a");
  const outcome = await client.send(`http://127.0.0.1:${port}`, {
    kind: "disconnect",
    nonce: crypto.randomUUID(),
    server_id: 1,
    message: null,
  }, 2000);
  assertEquals(outcome.ok, false);
  assertEquals(outcome.ok === false && outcome.kind, "unreachable");
});
