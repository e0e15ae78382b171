/// <reference lib="dom" />
/**
 * Web Push in a real browser (Debian's Chromium through playwright-core,
 * notifications granted) against the app as `deno task start` runs it: the
 * settings page's button registers the service worker and subscribes, or
 * says why it cannot; a push delivered to the worker (CDP's
 * `ServiceWorker.deliverPushMessage`, as DevTools' Push button does) shows
 * the line's notification, tagged as the desktop one is.
 */
import type { Page } from "playwright-core";
import { assert, assertEquals, assertMatch, waitFor } from "../support/assert.ts";
import { logIn, startBrowserApp } from "../support/browserApp.ts";
import { startPushService } from "../support/pushService.ts";
import { postPushSubscription } from "../support/pushSubscription.ts";
import { userSubscriptions } from "../../lib/push/subscriptions.ts";
import type { PushPayload } from "../../lib/push/pushPayload.ts";

const WAIT = 30_000;

interface Shown {
  title: string;
  body: string;
  tag: string;
  url: string | undefined;
}

// The notifications the service worker shows now.
function notifications(page: Page): Promise<Shown[]> {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return (await registration.getNotifications()).map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      url: typeof n.data?.url === "string" ? n.data.url : undefined,
    }));
  });
}

Deno.test({
  name:
    "browser: the settings button registers the service worker and subscribes (or says why not); a delivered push shows its line's notification",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    // No IRC connection is made: the server is only there to name the window.
    const t = await startBrowserApp({ ircPort: 6667, socketPrefix: "push-sockets-", serverName: "Libera" });
    const service = startPushService();
    try {
      const context = await t.browser.newContext({ viewport: { width: 1100, height: 700 } });
      await context.grantPermissions(["notifications"], { origin: t.app.url });
      const page = await context.newPage();
      page.setDefaultTimeout(WAIT);
      const problems: string[] = [];
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      await logIn(page, t.app.url);
      const user = await t.database.db.selectFrom("users").select("id").where("name", "=", "alice")
        .executeTakeFirstOrThrow();

      await page.goto(`${t.app.url}/settings`);
      await page.locator(".push-settings[data-push-state=off]").waitFor();
      await page.click("button.push-enable");
      const outcome = await Promise.race([
        page.locator(".push-settings[data-push-state=on]").waitFor().then(() => "on" as const),
        page.locator(".push-settings [role=alert]").waitFor().then(() => "refused" as const),
      ]);
      // Registered first, whatever the push service said: the worker at the root, for the whole app.
      assertEquals(
        await page.evaluate(async () => (await navigator.serviceWorker.ready).scope),
        `${t.app.url}/`,
      );
      if (outcome === "on") {
        const kept = await userSubscriptions(t.database.db, user.id);
        assertEquals(kept.length, 1);
        assertMatch(kept[0].endpoint, /^https:\/\//);
      } else {
        // Debian's headless Chromium, with no push service of Google's to register with, refuses
        // PushManager.subscribe here ("Registration failed - permission denied", also with the push
        // permission granted through CDP): the page says so, and the API path is taken with a
        // subscription the test made, as the page's own code would post it.
        assertMatch(await page.locator(".push-settings [role=alert]").innerText(), /could not subscribe/);
        const made = await service.subscribe();
        const endpoint = `https://93.184.215.14/push/${made.endpoint.split("/").at(-1)}`;
        const status = await postPushSubscription(page, { endpoint, keys: made.keys });
        assertEquals(status, 201);
        assertEquals((await userSubscriptions(t.database.db, user.id)).map((s) => s.endpoint), [endpoint]);
      }

      // A push as the app sends it, handed to the worker.
      const cdp = await context.newCDPSession(page);
      const registrations: { registrationId: string; scopeURL: string }[] = [];
      cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        (event) => registrations.push(...event.registrations),
      );
      await cdp.send("ServiceWorker.enable");
      const registration = await waitFor(
        () => registrations.find((r) => r.scopeURL === `${t.app.url}/`),
        WAIT,
        "the worker's registration",
      );
      // Hands `data` to the worker as a push of the browser's push service.
      const deliver = (data: string) =>
        cdp.send("ServiceWorker.deliverPushMessage", {
          origin: t.app.url,
          registrationId: registration.registrationId,
          data,
        });
      const payload: PushPayload = {
        v: 1,
        id: 4242,
        server_id: t.server.id,
        network: "Libera",
        window: "#ruby",
        nick: "bob",
        kind: "privmsg",
        text: "alice: the build is green",
        url: `/servers/${t.server.id}/chat/%23ruby`,
      };
      await deliver(JSON.stringify(payload));
      const shown = await waitFor(
        async () => (await notifications(page)).find((n) => n.tag === "ircweb-message-4242"),
        WAIT,
        "the notification",
      );
      assertEquals(shown, {
        title: "#ruby · bob",
        body: "alice: the build is green",
        tag: "ircweb-message-4242",
        url: `/servers/${t.server.id}/chat/%23ruby`,
      });

      // A private line's title is its sender; a push that is not the app's still shows something.
      await deliver(JSON.stringify({
        ...payload,
        id: 4243,
        window: "carol",
        nick: "carol",
        kind: "action",
        text: "waves",
      }));
      // One push at a time: each shown before the next is handed over.
      await waitFor(
        async () => (await notifications(page)).find((n) => n.tag === "ircweb-message-4243"),
        WAIT,
        "the private line's notification",
      );
      await deliver("not json");
      const all = await waitFor(
        async () => {
          const list = await notifications(page);
          return list.length >= 3 && list;
        },
        WAIT,
        "three notifications",
      );
      assert(
        all.some((n) => n.tag === "ircweb-message-4243" && n.title === "carol" && n.body === "* carol waves"),
      );
      assert(all.some((n) => n.tag === "ircweb" && n.body === "New message" && n.url === "/"));
      assertEquals(problems, []);
      await context.close();
    } finally {
      await service.close();
      await t.close();
    }
  },
});
