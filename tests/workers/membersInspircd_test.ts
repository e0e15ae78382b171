/**
 * The members a real worker stores, against a real IRC server: Debian's
 * InspIRCd 3 (started as the bench starts it, `bench/support/inspircd.ts`,
 * with its `ircv3`, `namesx` and `uhnames` modules), so that the NAMES
 * reply with every prefix and host (multi-prefix, userhost-in-names),
 * away-notify and extended-join are what a real server sends.
 */
import { assertEquals } from "../support/assert.ts";
import { waitForStatus, withWorker } from "../support/worker.ts";
import { connectRawIrcClient } from "../support/rawIrcClient.ts";
import { listMembers } from "../../lib/channelMembers.ts";
import { startInspIrcd } from "../../bench/support/inspircd.ts";

Deno.test({
  name:
    "worker against InspIRCd: prefixes, hosts, joins, +v, away-notify and a nick change in the stored members",
  sanitizeResources: false,
  fn: async () => {
    const inspircd = await startInspIrcd();
    const bob = await connectRawIrcClient(inspircd.port, "bob");
    const carol = await connectRawIrcClient(inspircd.port, "carol");
    try {
      // bob is first in: InspIRCd makes him the channel's operator.
      await bob.join("#chan");
      await withWorker({ server: { port: inspircd.port, nickname: "tester" }, status: null }, async (t) => {
        await waitForStatus(t.database.db, t.server.id, "connected");
        await t.sender.sendCommand({ command: "join", channel: "#chan" });
        const members = async () =>
          (await listMembers(t.database.db, t.server.id, "#chan")).members.map((
            m,
          ) => [m.prefix + m.nick, m.away]);
        const until = async (expected: unknown[][]) => {
          const deadline = Date.now() + 15_000;
          let last: unknown[][] = [];
          while (Date.now() < deadline) {
            last = await members();
            if (JSON.stringify(last) === JSON.stringify(expected)) return;
            await new Promise((r) => setTimeout(r, 50));
          }
          assertEquals(last, expected, "the stored members");
        };
        await until([["@bob", null], ["tester", null]]);
        const [row] = (await listMembers(t.database.db, t.server.id, "#chan")).members;
        assertEquals(typeof row.host === "string" && row.host !== "", true, "hosts from userhost-in-names");

        await carol.join("#chan");
        await until([["@bob", null], ["carol", null], ["tester", null]]);
        await bob.send("MODE #chan +ov carol carol");
        // Both at the top rank (o), then by name.
        await until([["@bob", null], ["@+carol", null], ["tester", null]]);
        await carol.send("AWAY :lunch");
        await until([["@bob", null], ["@+carol", "lunch"], ["tester", null]]);
        await carol.send("NICK zoe");
        await until([["@bob", null], ["@+zoe", "lunch"], ["tester", null]]);
        await carol.send("AWAY");
        await until([["@bob", null], ["@+zoe", null], ["tester", null]]);
      });
    } catch (error) {
      throw new Error(
        `${error instanceof Error ? error.stack : error}\n--- InspIRCd ---\n${await inspircd.log()}`,
      );
    } finally {
      await bob.close().catch(() => {});
      await carol.close().catch(() => {});
      await inspircd.stop();
    }
  },
});
