/**
 * Three app instances on one PostgreSQL and nine networks on a real ngircd:
 * each network runs once (the IRC server's own user list says so, polled
 * throughout), commands through any instance reach the right network, a
 * stream on one instance hears a line sent through another, and the
 * networks of an instance killed with SIGKILL are back on the others within 10 s.
 */
import { assert, assertEquals, waitFor } from "../support/assert.ts";
import type { RawIrcClient } from "../support/rawIrcClient.ts";
import type { AppProcess } from "../support/appProcess.ts";
import { withScaleOutCluster } from "../support/scaleOutCluster.ts";
import { readSse } from "../support/sseClient.ts";
import { leaseOwners } from "../../lib/cluster/instances.ts";
import type { Db } from "../../lib/db/database.ts";

const NETWORKS = 9;

/**
 * Asks the IRC server who is on it, every 100 ms, and counts our clients by
 * their user name (`u<server id>`, kept when a taken nick makes a client
 * pick another): the most ever seen at once for one network.
 */
function watchUsers(watcher: RawIrcClient) {
  const most = new Map<string, number>();
  let latest = new Map<string, number>();
  let stopped = false;
  const polling = (async () => {
    while (!stopped) {
      const from = watcher.received.length;
      await watcher.send("WHO *");
      const deadline = performance.now() + 5000;
      while (!watcher.received.slice(from).some((r) => / 315 /.test(r.line))) {
        if (performance.now() > deadline) throw new Error("ngircd did not answer WHO");
        await new Promise((r) => setTimeout(r, 10));
      }
      const seen = new Map<string, number>();
      for (const { line } of watcher.received.slice(from)) {
        // :server 352 me <channel> <user> <host> <server> <nick> <flags> :<hops> <realname>
        const match = / 352 \S+ \S+ ~?(u[0-9]+) /.exec(line);
        if (match) seen.set(match[1], (seen.get(match[1]) ?? 0) + 1);
      }
      latest = seen;
      for (const [user, n] of seen) most.set(user, Math.max(most.get(user) ?? 0, n));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    /** Users seen on more than one connection at once. */
    doubled: () => [...most].filter(([, n]) => n > 1),
    /** The users of the last answer. */
    present: () => latest,
    async stop() {
      stopped = true;
      await polling;
    },
  };
}

async function ownersByInstance(db: Db): Promise<Map<string, number[]>> {
  const byInstance = new Map<string, number[]>();
  for (const [server, owner] of await leaseOwners(db)) {
    byInstance.set(owner, [...(byInstance.get(owner) ?? []), server].sort((a, b) => a - b));
  }
  return byInstance;
}

Deno.test({
  name: "scale-out: three instances run nine networks once each, and a killed one's move within 10 s",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withScaleOutCluster(
      NETWORKS,
      "scale",
      async ({ database: { db }, token, ids, watcher, start, allConnected }) => {
        // The user names carry the position, and the ids are 1..9 in a fresh database.
        assertEquals(ids, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        await watcher.join("#scale");
        const users = watchUsers(watcher);
        try {
          const [a] = [await start("a")];
          await waitFor(async () => await allConnected(ids) || undefined, 30_000, "a to connect all nine");
          const b = await start("b");
          const c = await start("c");
          await waitFor(
            async () => {
              const owners = await ownersByInstance(db);
              const spread = ["a", "b", "c"].every((i) => owners.get(i)?.length === 3);
              return spread && await allConnected(ids) || undefined;
            },
            30_000,
            "three networks on each instance, all connected",
          );
          await waitFor(() => users.present().size === NETWORKS || undefined, 10_000, "nine users on ngircd");
          for (let i = 1; i <= NETWORKS; i++) {
            assertEquals(users.present().get(`u${i}`), 1, `network ${i} once`);
          }

          const api = (app: AppProcess, path: string, body?: unknown) =>
            fetch(`${app.url}/api${path}`, {
              method: body === undefined ? "GET" : "POST",
              headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
              body: body === undefined ? undefined : JSON.stringify(body),
            });

          // A live stream on a, before anything is said.
          const stream = readSse(await api(a, "/events"));
          const via = [a, b, c];
          // Each network through each instance in turn: most through one that does not run it.
          for (const id of ids) {
            const app = via[id % 3];
            const joined = await api(app, `/servers/${id}/commands`, { command: "join", channel: "#scale" });
            assertEquals(joined.status, 200, `join of ${id} through ${app.url}: ${await joined.text()}`);
          }
          for (const id of ids) {
            await watcher.waitForMember("#scale", `net${id}`);
          }
          for (const id of ids) {
            const app = via[(id + 1) % 3];
            const sent = await api(app, `/servers/${id}/messages`, {
              target: "#scale",
              content: `hello from ${id}`,
              client_id: `line-${id}`,
            });
            assertEquals(sent.status, 201, await sent.clone().text());
            const stored = await sent.json() as { server_id: number; content: string };
            assertEquals([stored.server_id, stored.content], [id, `hello from ${id}`]);
            // The same line resent through another instance: the first answer, not a second line.
            const again = await api(via[(id + 2) % 3], `/servers/${id}/messages`, {
              target: "#scale",
              content: `hello from ${id}`,
              client_id: `line-${id}`,
            });
            assertEquals(await again.json(), stored);
          }
          for (const id of ids) {
            // It came from that network's own client: the right network.
            await watcher.waitForLine(
              new RegExp(`^:net${id}!~?u${id}@\\S+ PRIVMSG #scale :hello from ${id}$`),
            );
          }
          // a's stream heard every line, also those sent through b and c to networks a does not run.
          await stream.waitUntil(
            () =>
              ids.every((id) =>
                stream.events.some((e) => e.event === "message" && e.data.includes(`hello from ${id}`))
              ),
            "the nine lines on a's stream",
            15_000,
          );
          await stream.close();

          // c is killed outright: its lease connection goes with it.
          const owners = await ownersByInstance(db);
          const moved = owners.get("c")!;
          const killedAt = performance.now();
          c.child.kill("SIGKILL");
          await c.exited;
          await waitFor(
            async () => {
              const now = await ownersByInstance(db);
              const back = moved.every((id) => now.get("a")?.includes(id) || now.get("b")?.includes(id));
              return back && await allConnected(moved) || undefined;
            },
            10_000,
            "c's networks connected again on a or b",
          );
          const failover = performance.now() - killedAt;
          assert(failover < 10_000, `back after ${failover} ms`);
          // The networks a and b ran were not moved.
          const after = await ownersByInstance(db);
          for (const i of ["a", "b"]) {
            for (const id of owners.get(i)!) assert(after.get(i)!.includes(id), `${id} stayed on ${i}`);
          }

          // Commands reach a moved network through either instance.
          for (const id of moved) {
            const app = id % 2 === 0 ? a : b;
            const sent = await api(app, `/servers/${id}/messages`, {
              target: "#scale",
              content: `after ${id}`,
            });
            assertEquals(sent.status, 201, await sent.clone().text());
            await watcher.waitForLine(new RegExp(`PRIVMSG #scale :after ${id}$`));
          }
          await waitFor(
            () => users.present().size === NETWORKS || undefined,
            10_000,
            "nine users after the move",
          );

          // Nothing stored twice: each line once per network.
          const rows = await db.selectFrom("messages").select(["server_id", "content"])
            .where("message_type", "=", "privmsg").where("target", "=", "#scale").execute();
          const lines = rows.map((r) => `${r.server_id}:${r.content}`);
          assertEquals(lines.length, new Set(lines).size, `a line stored twice: ${lines.sort().join(", ")}`);
          await users.stop();
          assertEquals(users.doubled(), [], "a network connected twice at once");
          void b;
        } finally {
          await users.stop();
        }
      },
    ),
});
