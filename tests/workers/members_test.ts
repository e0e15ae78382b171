/**
 * A real worker process keeps a channel's members in the database: it asks
 * for the IRCv3 capabilities the nick list needs, and stores what the
 * server says through them (NAMES with every prefix and host, the server's
 * PREFIX, extended-join, prefix modes, nick changes, away-notify,
 * account-notify, CHGHOST, SETNAME, quits).
 */
import { assert, assertEquals, waitFor } from "../support/assert.ts";
import { withWorker } from "../support/worker.ts";
import { listMembers } from "../../lib/channelMembers.ts";

const CAPS = [
  "multi-prefix",
  "userhost-in-names",
  "away-notify",
  "account-notify",
  "extended-join",
  "chghost",
  "setname",
];

Deno.test("worker: the nick list's capabilities are requested, and the members they tell of are stored", async () => {
  await withWorker({ irc: { caps: CAPS } }, async (t) => {
    const request = await t.irc.waitForLine(/^CAP REQ /);
    for (const cap of CAPS) assert(request.split(/[ :]/).includes(cap), `${cap} requested: ${request}`);
    const client = t.irc.clients[0];
    const members = async () =>
      (await listMembers(t.database.db, t.server.id, "#chan")).members
        .map((m) => [m.prefix + m.nick, m.user, m.host, m.account, m.away, m.realname]);
    const until = async (what: string, check: (rows: unknown[][]) => boolean) => {
      let last: unknown[][] = [];
      await waitFor(
        async () => check(last = await members()) || undefined,
        10_000,
        `${what}: ${JSON.stringify(last)}`,
      );
    };

    client.send(":fake.irc 005 tester PREFIX=(qov)~@+ CHANTYPES=# :are supported by this server");
    client.send(":tester!t@h JOIN #chan * :Tester");
    client.send(":fake.irc 353 tester = #chan :tester!t@h ~@bob!b@bob.host +carol!c@carol.host");
    client.send(":fake.irc 366 tester #chan :End of /NAMES list.");
    await until("the NAMES reply", (rows) => rows.length === 3);
    assertEquals(await members(), [
      ["~@bob", "b", "bob.host", null, null, null],
      ["+carol", "c", "carol.host", null, null, null],
      ["tester", "t", "h", null, null, null],
    ]);

    client.send(":dave!d@dave.host JOIN #chan daveacct :Dave D");
    client.send(":bob!b@bob.host MODE #chan +o-v dave carol");
    client.send(":carol!c@carol.host NICK :Carla");
    client.send(":Carla!c@carol.host AWAY :lunch");
    client.send(":Carla!c@carol.host ACCOUNT carla");
    client.send(":dave!d@dave.host CHGHOST dee new.host");
    client.send(":dave!dee@new.host SETNAME :Dave Dee");
    client.send(":bob!b@bob.host QUIT :bye");
    await until(
      "the changes",
      (rows) => rows.length === 3 && rows[0][0] === "@dave" && rows[0][5] === "Dave Dee",
    );
    assertEquals(await members(), [
      ["@dave", "dee", "new.host", "daveacct", null, "Dave Dee"],
      ["Carla", "c", "carol.host", "carla", "lunch", null],
      ["tester", "t", "h", null, null, null],
    ]);
  });
});
