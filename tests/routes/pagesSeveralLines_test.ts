/**
 * The input's several lines without JavaScript: a form post of a textarea
 * with newlines reaches IRC as one PRIVMSG per line (ngircd, bob), as the
 * page's script sends them, in order and with no empty line between.
 */
import { assertEquals } from "../support/assert.ts";
import { withIrcPeer } from "../support/ircPeer.ts";
import { waitForStatus } from "../support/worker.ts";
import { withApp } from "./testApp.ts";
import { postForm, sessionCookie } from "./pageSession.ts";

Deno.test({
  name: "pages: several lines sent without JavaScript go out as one message each",
  // The worker is the supervisor's, stopped by withApp.
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withIrcPeer(({ ngircd, bob }) =>
      withApp(async (t) => {
        const alice = await t.user("alice");
        const cookie = await sessionCookie(t, alice);
        const server = await t.server(alice, { nickname: "alice", port: ngircd.port });
        const connect = await postForm(t, `/servers/${server.id}/connect`, cookie, { next: "/" });
        assertEquals(connect.status, 303);
        await waitForStatus(t.database.db, server.id, "connected", 20_000);
        await bob.join("#ruby");
        await postForm(t, `/servers/${server.id}/send`, cookie, { target: "", content: "/join #ruby" });
        await bob.waitForMember("#ruby", "alice");

        // As a browser posts a textarea: CRLF between lines, a blank line in the middle.
        const sent = await postForm(t, `/servers/${server.id}/send`, cookie, {
          target: "#ruby",
          content: "first line\r\nsecond line\r\n\r\nthird line",
        });
        assertEquals(sent.status, 303);
        for (const line of ["first line", "second line", "third line"]) {
          await bob.waitForLine(new RegExp(`^:alice!\\S+ PRIVMSG #ruby :${line}$`), 15_000);
        }
        const stored = await t.database.db.selectFrom("messages").select("content")
          .where("server_id", "=", server.id).where("target", "=", "#ruby").where(
            "message_type",
            "=",
            "privmsg",
          )
          .orderBy("id").execute();
        assertEquals(stored.map((m) => m.content), ["first line", "second line", "third line"]);
      })
    ),
});
