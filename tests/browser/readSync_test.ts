/**
 * Read state across a user's devices, in a real browser (Debian's Chromium
 * through playwright-core; two browser contexts play two devices) against
 * the app as `deno task start` runs it and a real IRC server (ngircd): a
 * window read on one device stops showing unread on the other at once,
 * without a reload, through the `read` event of the live stream.
 */
import type { Browser, Page } from "playwright-core";
import { assertEquals } from "../support/assert.ts";
import { connectServer, joinWith, withBrowserPeer } from "../support/browserApp.ts";
import { openDevice } from "../support/devicePage.ts";

const WAIT = 30_000;

const device = (browser: Browser, base: string) => openDevice(browser, base, WAIT);

Deno.test({
  name: "browser: a window read on one device shows nothing unread on another, live",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withBrowserPeer("readsync-sockets-", async ({ server, app, browser, bob }) => {
      const problems: string[] = [];
      const laptop = await device(browser, app.url);
      const phone = await device(browser, app.url);
      for (const page of [laptop, phone]) {
        page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      }
      const serverUrl = `${app.url}/servers/${server.id}`;
      await connectServer(laptop, app.url, server.id);
      await joinWith(laptop, bob, "#ruby");

      await phone.goto(serverUrl);
      await laptop.goto(serverUrl);
      await bob.send("PRIVMSG #ruby :alice: are you there?");
      const badge = (page: Page) =>
        page.locator(".server-nav a.nav-window.has-mention", { hasText: "#ruby" });
      await badge(phone).waitFor();
      await badge(laptop).waitFor();
      await phone.evaluate(() => Object.assign(globalThis, { samePage: true }));

      // Read on the laptop: the phone's badge goes, on the same page.
      await Promise.all([
        laptop.waitForURL(/\/chat\/%23ruby$/),
        laptop.locator(".server-nav a.nav-window", { hasText: "#ruby" }).click(),
      ]);
      await phone.locator(".server-nav a.nav-window", { hasText: "#ruby" }).locator(".unread")
        .waitFor({ state: "detached" });
      assertEquals(await badge(phone).count(), 0);
      assertEquals(await phone.evaluate(() => "samePage" in globalThis), true, "no reload");
      assertEquals(problems, []);
    }),
});
