/**
 * The worker's connection policy where the small test IRC server shows it
 * best: what goes out, in what order, after a reconnect.
 */
import { assert, waitFor } from "../support/assert.ts";
import { waitForStatus, withWorker } from "../support/worker.ts";
import { FATAL_CLOSE_REASON } from "../../workers/ircConnection.ts";

Deno.test("worker: after a reconnect, channels are rejoined before the lines held during the outage", async () => {
  // Flood control on: the rejoin and the held line share the queue.
  const options = { server: { flood_burst: 5, flood_interval_ms: 200 } };
  await withWorker(options, async ({ irc, sender, database: { db }, server }) => {
    await sender.join("#keep");
    await irc.waitForLine("JOIN #keep");
    await waitFor(
      async () => (await db.selectFrom("channels").select("joined").executeTakeFirst())?.joined,
      5000,
      "#keep recorded as joined",
    );
    irc.clients[0].close();
    await waitForStatus(db, server.id, "reconnecting");
    await sender.privmsg("#keep", "typed while away");
    await waitForStatus(db, server.id, "connected", 10_000);
    await irc.waitForLine("PRIVMSG #keep :typed while away");
    const rejoin = irc.lines.lastIndexOf("JOIN #keep");
    const held = irc.lines.indexOf("PRIVMSG #keep :typed while away");
    assert(rejoin > irc.lines.indexOf("JOIN #keep"), "joined again");
    assert(rejoin < held, `the JOIN (line ${rejoin}) goes before the held message (line ${held})`);
  });
});

Deno.test("connection policy: closing reasons that no retry changes are told from passing ones", () => {
  for (
    const fatal of [
      "Access denied: Bad password?", // ngircd, wrong server password
      "Closing Link: 127.0.0.1 (Bad Password)",
      "Closing Link: tester[127.0.0.1] (K-Lined)",
      "You are banned from this server- Spamming",
      "Closing link: (tester@127.0.0.1) [G-lined]",
      "Closing Link: 127.0.0.1 (Password incorrect)",
    ]
  ) assert(FATAL_CLOSE_REASON.test(fatal), fatal);
  for (
    const passing of [
      "Closing Link: 127.0.0.1 (Connection timed out)",
      "Closing Link: 127.0.0.1 (Server shutting down)",
      "Trying to reconnect too fast.",
      "Connection refused, too many connections from your IP address",
      "Closing Link: 127.0.0.1 (Ping timeout: 240 seconds)",
    ]
  ) assert(!FATAL_CLOSE_REASON.test(passing), passing);
});

Deno.test("worker: speaks TLS and checks the certificate: an untrusted one is refused, the reason in the row", async () => {
  // A self-signed certificate for localhost, which no trust store holds.
  const folder = new URL("../support/tls/", import.meta.url);
  const listener = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert: await Deno.readTextFile(new URL("untrusted-cert.pem", folder)),
    key: await Deno.readTextFile(new URL("untrusted-key.pem", folder)),
  });
  const handshakes: string[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      conn.handshake().then(() => handshakes.push("completed"), (e) => handshakes.push(String(e)))
        .finally(() => conn.close());
    }
  })();
  try {
    const port = (listener.addr as Deno.NetAddr).port;
    const options = { server: { host: "localhost", port, tls: true }, status: "reconnecting" as const };
    await withWorker(options, async ({ database: { db }, server }) => {
      const row = await db.selectFrom("servers").select("last_error").where("id", "=", server.id)
        .executeTakeFirstOrThrow();
      assert(/self-signed certificate/.test(row.last_error ?? ""), `the reason is told: ${row.last_error}`);
      await waitFor(() => handshakes.length > 0, 5000, "a TLS handshake");
      assert(
        /CertificateUnknown/.test(handshakes[0]),
        `the worker refused the certificate: ${handshakes[0]}`,
      );
    });
  } finally {
    listener.close();
    await accepting.catch(() => {});
  }
});
