/**
 * `GET /api/servers/:id/channels/:name/members`: the stored members of a
 * channel, by rank then name, with counts; another user's server is `404`.
 */
import { assertEquals } from "../support/assert.ts";
import { applyMemberChanges, type Member, type MemberList } from "../../lib/channelMembers.ts";
import { expectJson, expectStatus, withApp } from "./testApp.ts";

const member = (nick: string, modes = "", prefix = "", rank = 2, away: string | null = null): Member => ({
  nick,
  modes,
  prefix,
  rank,
  user: "u",
  host: "h",
  account: nick === "carol" ? "carolacct" : null,
  away,
  realname: null,
});

Deno.test("members route: by rank then name, with counts; the channel matched whatever its case", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const server = await t.server(alice);
    await t.database.db.transaction().execute((trx) =>
      applyMemberChanges(trx, server.id, [{
        kind: "reset",
        channel: "#Deno",
        members: [
          member("zed"),
          member("bob", "v", "+", 1),
          member("Carol", "ov", "@+", 0),
          member("amy", "", "", 2, "lunch"),
          member("carol"),
        ],
      }])
    );
    const list = await expectJson<MemberList>(
      await t.call(`/api/servers/${server.id}/channels/${encodeURIComponent("#deno")}/members`, {
        as: alice,
      }),
      200,
    );
    assertEquals(list.channel, "#Deno");
    assertEquals(list.members.map((m) => m.prefix + m.nick), ["@+Carol", "+bob", "amy", "carol", "zed"]);
    assertEquals(list.counts, { total: 5, ops: 1, voiced: 1, away: 1 });
    assertEquals(list.members[3].account, "carolacct");

    const empty = await expectJson<MemberList>(
      await t.call(`/api/servers/${server.id}/channels/${encodeURIComponent("#none")}/members`, {
        as: alice,
      }),
      200,
    );
    assertEquals(empty.counts.total, 0);

    const mallory = await t.user("mallory");
    await expectStatus(
      await t.call(`/api/servers/${server.id}/channels/${encodeURIComponent("#deno")}/members`, {
        as: mallory,
      }),
      404,
    );
  });
});
