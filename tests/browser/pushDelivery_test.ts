/// <reference lib="dom" />
/**
 * Web Push end to end: the app as `deno task start` runs it, bob on ngircd,
 * a local push service (checking the VAPID signature, decrypting) and real
 * Chromium pages: a mention is pushed while no tab is open; a line a tab
 * has shown and marked read is not; one the open tab has not seen is.
 */
import type { Browser, Page } from "playwright-core";
import { assertEquals, waitFor } from "../support/assert.ts";
import { connectServer, joinWith, logIn, USER, withBrowserApp } from "../support/browserApp.ts";
import { withIrcPeer } from "../support/ircPeer.ts";
import { type ReceivedPush, startPushService } from "../support/pushService.ts";
import { postPushSubscription } from "../support/pushSubscription.ts";
import type { PushPayload } from "../../lib/push/pushPayload.ts";
import type { Db } from "../../lib/db/database.ts";

const WAIT = 30_000;
// Long enough for an open tab to show a line and mark it read (a second after it shows).
const SEEN_DELAY_MS = 4000;

// The stored message whose text is `content`, once the worker has stored it.
function messageId(db: Db, serverId: number, content: string): Promise<number> {
  return waitFor(
    async () => {
      const row = await db.selectFrom("messages").select("id").where("server_id", "=", serverId)
        .where("content", "=", content).executeTakeFirst();
      return row && Number(row.id);
    },
    WAIT,
    `the message ${JSON.stringify(content)}`,
  );
}

function payloadOf(push: ReceivedPush): PushPayload {
  return JSON.parse(push.text);
}

Deno.test({
  name:
    "browser: a mention is pushed (signed, decrypting to its line) with no tab open, and not once an open tab has shown it",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withIrcPeer(({ ngircd, bob }) =>
      withBrowserApp({
        ircPort: ngircd.port,
        socketPrefix: "pushe2e-sockets-",
        app: {
          logLevel: "debug",
          env: { ALLOWED_PUSH_TARGETS: "127.0.0.1", PUSH_SEEN_DELAY_MS: String(SEEN_DELAY_MS) },
        },
      }, async (t) => {
        const db = t.database.db;
        const serverId = t.server.id;
        const service = startPushService();
        try {
          const user = await db.selectFrom("users").select("id").where("name", "=", USER.name)
            .executeTakeFirstOrThrow();
          const context = await t.browser.newContext({ viewport: { width: 1100, height: 700 } });
          const page = await context.newPage();
          page.setDefaultTimeout(WAIT);
          await logIn(page, t.app.url);
          await connectServer(page, t.app.url, serverId);
          await joinWith(page, bob, "#ruby");

          // Subscribed through the API as the settings page does, with keys made here (headless
          // Chromium has no push service to subscribe with: tests/browser/push_test.ts).
          const subscription = await service.subscribe();
          const status = await postPushSubscription(page, subscription);
          assertEquals(status, 201);
          await waitFor(
            () => t.app.log().includes(`following user ${user.id}`),
            WAIT,
            "the push sender to follow alice",
          );

          // No tab open: the mention is pushed, and decrypts to its line.
          await context.close();
          await bob.send(`PRIVMSG #ruby :${USER.name}: the build is green`);
          const first = await service.next(0);
          const mentionId = await messageId(db, serverId, `${USER.name}: the build is green`);
          assertEquals(payloadOf(first), {
            v: 1,
            id: mentionId,
            server_id: serverId,
            network: "Test IRC",
            window: "#ruby",
            nick: "bob",
            kind: "privmsg",
            text: `${USER.name}: the build is green`,
            url: `/servers/${serverId}/chat/%23ruby`,
          });
          assertEquals([first.ttl, first.urgency], [86_400, "high"]);

          // A tab open on #ruby: it shows the next mention and marks it read within the delay.
          const tab = await openTab(t.browser, t.app.url, serverId, "%23ruby");
          // Signed with the app's own VAPID key, the one browsers subscribe with.
          const key = await tab.evaluate(async () =>
            (await (await fetch("/api/push/key")).json()).public_key
          );
          assertEquals(first.vapidKey, key);
          await bob.send(`PRIVMSG #ruby :${USER.name}: did you see this?`);
          const seenId = await messageId(db, serverId, `${USER.name}: did you see this?`);
          await tab.locator(".msg", { hasText: "did you see this?" }).first().waitFor();
          await waitFor(
            async () => {
              const marker = await db.selectFrom("read_markers").select("last_read_id")
                .where("server_id", "=", serverId).where("target", "=", "#ruby").executeTakeFirst();
              return marker !== undefined && Number(marker.last_read_id) >= seenId;
            },
            WAIT,
            "the tab's read marker past the mention",
          );
          await waitFor(
            () => t.app.log().includes(`message ${seenId} of user ${user.id}: seen`),
            WAIT,
            "the sender to find the mention seen",
          );

          // With the tab still open on #ruby, a private line it does not show is pushed after the
          // delay, and it is the only push since the first: the seen mention never went out.
          await bob.send(`PRIVMSG ${USER.name} :psst, a word?`);
          const second = await service.next(1);
          assertEquals(payloadOf(second).text, "psst, a word?");
          assertEquals(payloadOf(second).window, "bob");
          assertEquals(
            service.received.map((p) => payloadOf(p).id),
            [mentionId, await messageId(db, serverId, "psst, a word?")],
          );
          assertEquals(service.refused, []);
        } finally {
          await service.close();
        }
      })
    ),
});

// A page on a window, once its live stream is open (the navigation reads the window order then).
async function openTab(
  browser: Browser,
  base: string,
  serverId: number,
  window: string,
): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1100, height: 700 } })).newPage();
  page.setDefaultTimeout(WAIT);
  let streamOpen = false;
  page.on("response", (response) => {
    if (new URL(response.url()).pathname === `/api/servers/${serverId}/windows`) streamOpen = true;
  });
  await logIn(page, base);
  await page.goto(`${base}/servers/${serverId}/chat/${window}`);
  await waitFor(() => streamOpen, WAIT, "the tab's live stream");
  return page;
}
