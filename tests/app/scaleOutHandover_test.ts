/**
 * A command through an instance that does not run the network while the owner dies under it: stopped
 * (SIGSTOP) with a request in flight, then killed (SIGKILL), with commands sent all through the move.
 * Each is delivered once on the new owner or answered "may have been sent", never sent twice, as the
 * IRC server's own count of the arrived lines shows; a `client_id` resend after the move is not sent again.
 */
import { assert, assertEquals, waitFor } from "../support/assert.ts";
import { withScaleOutCluster } from "../support/scaleOutCluster.ts";
import type { AppProcess } from "../support/appProcess.ts";
import { leaseOwners } from "../../lib/cluster/instances.ts";

const MAY_HAVE_BEEN_SENT = /may have been sent/;

interface Sent {
  marker: string;
  via: string;
  status: number;
  body: string;
  afterKill: boolean;
}

Deno.test({
  name: "scale-out: a command in flight when its network's owner dies is sent once or said to be uncertain",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withScaleOutCluster(
      3,
      "handover",
      async ({ database: { db }, token, ids, watcher, start, allConnected }) => {
        const a = await start("a");
        const b = await start("b");
        const c = await start("c");
        await waitFor(
          async () => {
            const owners = [...(await leaseOwners(db)).values()].sort();
            return owners.join(",") === "a,b,c" && await allConnected(ids) || undefined;
          },
          30_000,
          "one network on each instance, all connected",
        );
        const network = [...await leaseOwners(db)].find(([, owner]) => owner === "b")![0];
        const nick = `net${network}`;

        const post = (app: AppProcess, path: string, body: unknown) =>
          fetch(`${app.url}/api/servers/${network}${path}`, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: JSON.stringify(body),
          });
        const arrivals = (marker: string) =>
          watcher.received.filter(({ line }) =>
            line.startsWith(`:${nick}!`) && line.endsWith(` PRIVMSG watcher :${marker}`)
          ).length;
        const sent: Sent[] = [];
        let killed = false;
        const command = async (app: AppProcess, via: string, marker: string) => {
          const response = await post(app, "/commands", {
            command: "privmsg",
            target: "watcher",
            message: marker,
          });
          const result = {
            marker,
            via,
            status: response.status,
            body: await response.text(),
            afterKill: killed,
          };
          sent.push(result);
          return result;
        };

        // Through a non-owner while all is well: once.
        assertEquals((await command(a, "a", "before")).status, 200);
        const kept = await post(a, "/messages", {
          target: "watcher",
          content: "kept line",
          client_id: "kept-1",
        });
        assertEquals(kept.status, 201, await kept.clone().text());
        const keptAnswer = await kept.json();
        await watcher.waitForLine(new RegExp(`^:${nick}!\\S+ PRIVMSG watcher :before$`));

        // b stops answering with requests through a and c in flight to it, then dies.
        b.child.kill("SIGSTOP");
        const inFlight = [command(a, "a", "in-flight-a"), command(c, "c", "in-flight-c")];
        await new Promise((r) => setTimeout(r, 700));
        killed = true;
        const killedAt = performance.now();
        b.child.kill("SIGKILL");
        await b.exited;
        // Sent all through the move, through both that are left.
        const through = async (app: AppProcess, via: string) => {
          for (let i = 0; performance.now() - killedAt < 8000; i++) {
            await command(app, via, `during-${via}-${i}`);
            await new Promise((r) => setTimeout(r, 250));
          }
        };
        const [first] = await Promise.all([Promise.all(inFlight), through(a, "a"), through(c, "c")]);
        await waitFor(
          async () => {
            const owner = (await leaseOwners(db)).get(network);
            return (owner === "a" || owner === "c") && await allConnected([network]) || undefined;
          },
          15_000,
          "the network connected again on a or c",
        );

        // The same client_id through the other instance after the move: the first answer, not a second line.
        const again = await post(c, "/messages", {
          target: "watcher",
          content: "kept line",
          client_id: "kept-1",
        });
        assertEquals(await again.json(), keptAnswer);

        // Every line answered as sent has arrived (ngircd may hold a burst back a while).
        for (const s of sent.filter((s) => s.status === 200)) {
          await waitFor(() => arrivals(s.marker) > 0 || undefined, 20_000, `${s.marker} to arrive`);
        }
        // Time for any line sent a second time to arrive too.
        await new Promise((r) => setTimeout(r, 2000));
        const report = sent.map((s) =>
          `${s.marker} via ${s.via}: ${s.status} ${s.body} (${arrivals(s.marker)}x)`
        )
          .join("\n");
        for (const s of sent) {
          const n = arrivals(s.marker);
          assert(n <= 1, `${s.marker} arrived ${n} times:\n${report}`);
          if (s.status === 200) continue; // arrived once, above
          if (s.status === 504 && MAY_HAVE_BEEN_SENT.test(s.body)) continue; // told it may have been sent
          // Any other refusal says nothing was sent, and nothing was.
          assertEquals(n, 0, `${s.marker} refused yet sent:\n${report}`);
        }
        // b never read the requests in flight: one that reached it is told it may have been sent (and was
        // not); one whose connection b never took (refused when it died) was carried out by the new owner.
        for (const s of first) {
          if (s.status === 200) continue; // arrived once, above
          assertEquals(arrivals(s.marker), 0, `${s.marker} sent by a stopped instance:\n${report}`);
          assert(s.status === 504 && MAY_HAVE_BEEN_SENT.test(s.body), `${s.marker}:\n${report}`);
        }
        // Commands sent during the move were carried out on the new owner.
        assert(sent.some((s) => s.afterKill && s.status === 200), `nothing sent after the kill:\n${report}`);
        assertEquals(arrivals("kept line"), 1, report);
        const rows = await db.selectFrom("messages").select("content").where("server_id", "=", network)
          .where("message_type", "=", "privmsg").where("target", "=", "watcher").execute();
        const contents = rows.map((r) => r.content);
        assertEquals(contents.length, new Set(contents).size, `a line stored twice: ${contents.sort()}`);
        void a;
      },
    ),
});
