import { assert, assertEquals, assertMatch, waitFor } from "../support/assert.ts";
import { startPushService } from "../support/pushService.ts";
import { PUSH_SUBSCRIPTIONS_CHANNEL } from "../../lib/push/pushSender.ts";
import { userSubscriptions } from "../../lib/push/subscriptions.ts";
import { vapidKeys } from "../../lib/push/vapid.ts";
import { FIXED_FILES } from "../../routes/assets.ts";
import { withApp } from "./testApp.ts";
import { sessionCookie } from "./pageSession.ts";

// A public address: saving a subscription sends nothing there.
const PUBLIC_ENDPOINT = "https://93.184.215.14/push/v2/abc";

Deno.test("push API: the VAPID key; a subscription kept, checked field by field, moved to whoever subscribes last, forgotten; all of it per user", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const bob = await t.user("bob");
    const service = startPushService();
    try {
      assertEquals((await t.call("/api/push/key")).status, 401);
      const key = await t.call("/api/push/key", { as: alice });
      assertEquals(key.status, 200);
      assertEquals(await key.json(), { public_key: (await vapidKeys(t.database.db)).publicKey });

      const { keys } = await service.subscribe();
      const announced: unknown[] = [];
      const stop = t.bus.subscribe(PUSH_SUBSCRIPTIONS_CHANNEL, (data) => announced.push(data));
      const post = (as: typeof alice, body: unknown) =>
        t.call("/api/push/subscriptions", { method: "POST", as, body });
      const refusals: [unknown, string, RegExp][] = [
        ["not json", "body", /JSON/],
        [{ keys }, "endpoint", /endpoint is required/],
        [{ endpoint: PUBLIC_ENDPOINT }, "keys", /keys is required/],
        [{ endpoint: PUBLIC_ENDPOINT, keys: { ...keys, p256dh: "AAAA" } }, "keys.p256dh", /P-256/],
        [{ endpoint: PUBLIC_ENDPOINT, keys: { ...keys, auth: keys.p256dh } }, "keys.auth", /16 bytes/],
        [{ endpoint: "http://93.184.215.14/push", keys }, "endpoint", /https: URL/],
        [
          { endpoint: "https://127.0.0.1:9/push", keys },
          "endpoint",
          /not a public address.*ALLOWED_PUSH_TARGETS/,
        ],
        [{ endpoint: "https://10.1.2.3/push", keys }, "endpoint", /not a public address/],
        [{ endpoint: "not a url", keys }, "endpoint", /not a URL/],
        [{ endpoint: `https://93.184.215.14/${"x".repeat(2100)}`, keys }, "endpoint", /longer than/],
      ];
      for (const [body, field, error] of refusals) {
        const response = await post(alice, body);
        assertEquals(response.status, 422, JSON.stringify(body).slice(0, 80));
        const answer = await response.json();
        assertEquals(answer.field, field);
        assertMatch(answer.error, error);
      }
      assertEquals(await userSubscriptions(t.database.db, alice.id), []);

      const saved = await post(alice, { endpoint: PUBLIC_ENDPOINT, expirationTime: null, keys });
      assertEquals(saved.status, 201);
      assertEquals(await saved.json(), { endpoint: PUBLIC_ENDPOINT });
      await waitFor(() => announced.length === 1, 5000, "the change to be announced");
      assertEquals(announced, [{ user_id: alice.id }]);
      const listed = await (await t.call("/api/push/subscriptions", { as: alice })).json();
      assertEquals(listed.map((s: { endpoint: string }) => s.endpoint), [PUBLIC_ENDPOINT]);
      assertEquals(await (await t.call("/api/push/subscriptions", { as: bob })).json(), []);

      // The same browser, now logged in as bob: the endpoint is his.
      assertEquals((await post(bob, { endpoint: PUBLIC_ENDPOINT, keys })).status, 201);
      assertEquals(await userSubscriptions(t.database.db, alice.id), []);
      assertEquals((await userSubscriptions(t.database.db, bob.id)).length, 1);

      const remove = (as: typeof alice, body: unknown) =>
        t.call("/api/push/subscriptions", { method: "DELETE", as, body });
      assertEquals((await remove(alice, { endpoint: PUBLIC_ENDPOINT })).status, 404, "not alice's any more");
      assertEquals((await remove(bob, {})).status, 422);
      assertEquals((await remove(bob, { endpoint: PUBLIC_ENDPOINT })).status, 204);
      assertEquals(await userSubscriptions(t.database.db, bob.id), []);
      stop();
    } finally {
      await service.close();
    }
  });
});

Deno.test("PWA: the manifest is JSON with what installing needs, its icons and the service worker are served with their types", async () => {
  await withApp(async (t) => {
    const manifest = await t.call("/manifest.webmanifest");
    assertEquals(manifest.status, 200);
    assertEquals(manifest.headers.get("content-type"), "application/manifest+json");
    const json = await manifest.json();
    for (const member of ["name", "short_name", "start_url", "display", "theme_color", "background_color"]) {
      assert(typeof json[member] === "string" && json[member] !== "", `manifest.${member}`);
    }
    assertEquals(json.display, "standalone");
    assertEquals(json.start_url, "/");
    const icons = json.icons as { src: string; sizes: string; type: string; purpose: string }[];
    for (const [size, purpose] of [["192x192", "any"], ["512x512", "any"], ["512x512", "maskable"]]) {
      assert(icons.some((i) => i.sizes === size && i.purpose === purpose && i.type === "image/png"), size);
    }
    for (const icon of icons) {
      const response = await t.call(icon.src);
      assertEquals(response.status, 200, icon.src);
      assertEquals(response.headers.get("content-type"), icon.type);
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (icon.type === "image/png") {
        // The PNG signature, and the width and height of its IHDR.
        assertEquals([...bytes.slice(1, 4)], [0x50, 0x4e, 0x47]);
        const view = new DataView(bytes.buffer);
        assertEquals(`${view.getUint32(16)}x${view.getUint32(20)}`, icon.sizes);
      } else assertMatch(new TextDecoder().decode(bytes), /^<svg /);
    }
    assert(
      Object.keys(FIXED_FILES).every((path) =>
        path === "/sw.js" || path === "/manifest.webmanifest" || icons.some((i) => i.src === path)
      ),
    );

    assertEquals((await t.call("/icons/other.png")).status, 404);

    const sw = await t.call("/sw.js");
    assertEquals(sw.status, 200);
    assertEquals(sw.headers.get("content-type"), "text/javascript; charset=utf-8");
    assertEquals(sw.headers.get("service-worker-allowed"), "/");
    assertEquals(sw.headers.get("cache-control"), "no-cache");
    assertMatch(await sw.text(), /addEventListener\("push"/);

    // Every page links the manifest.
    const alice = await t.user("alice");
    const page = await t.call("/settings", { headers: { cookie: await sessionCookie(t, alice) } });
    const html = await page.text();
    assertMatch(html, /<link rel="manifest" href="\/manifest.webmanifest"\/?>/);
    assertMatch(html, /data-island="PushButton"/);
  });
});
