/// <reference lib="dom" />
/**
 * Where the focus goes when the user switches windows, in a real browser
 * (Debian's Chromium through playwright-core) against the app as
 * `deno task start` runs it: on a desktop into the input, ready to type; on
 * a phone (a touch context at 390x844) nowhere, so no keyboard pops up.
 */
import type { Page } from "playwright-core";
import { assertEquals } from "../support/assert.ts";
import { logIn, withBrowserApp } from "../support/browserApp.ts";
import { setChannelJoined } from "../../lib/channels.ts";

const WAIT = 30_000;

// Once the page has loaded, two frames with a task after each: Preact runs a
// hydrated island's effects after the next paint, so by then the input had
// its chance to take the focus.
async function settled(page: Page): Promise<void> {
  await page.waitForLoadState("load");
  await page.evaluate(async () => {
    for (let i = 0; i < 2; i++) {
      await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    }
  });
}

function composerFocused(page: Page): Promise<boolean> {
  return page.evaluate(() => document.activeElement?.id === "composer-input");
}

Deno.test({
  name:
    "browser: switching windows focuses the input on a desktop, and not on a phone (no keyboard popping up)",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    // No IRC connection is made: the windows are the channels the log says she was in.
    withBrowserApp({ ircPort: 6667, socketPrefix: "focus-sockets-" }, async (t) => {
      for (const channel of ["#alpha", "#beta"]) {
        await setChannelJoined(t.database.db, t.server.id, channel, true);
      }
      const problems: string[] = [];
      const desktop = await (await t.browser.newContext({ viewport: { width: 1100, height: 700 } }))
        .newPage();
      const phone = await (await t.browser.newContext({
        viewport: { width: 390, height: 844 },
        hasTouch: true,
        isMobile: true,
      })).newPage();
      for (const page of [desktop, phone]) {
        page.setDefaultTimeout(WAIT);
        page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
        await logIn(page, t.app.url);
        await page.goto(`${t.app.url}/servers/${t.server.id}/chat/%23alpha`);
        await settled(page);
      }
      // What each context is, as the page's script sees it.
      assertEquals(await desktop.evaluate(() => matchMedia("(pointer: coarse)").matches), false);
      assertEquals(await phone.evaluate(() => matchMedia("(pointer: coarse)").matches), true);

      // Desktop: a click in the list, and the new window's input has the focus.
      assertEquals(await composerFocused(desktop), true, "desktop: the window opened focused");
      await Promise.all([
        desktop.waitForURL(/\/chat\/%23beta$/),
        desktop.locator(".server-nav a.nav-window", { hasText: "#beta" }).click(),
      ]);
      await settled(desktop);
      assertEquals(await composerFocused(desktop), true, "desktop: the input has the focus after the switch");

      // Phone: a tap in the drawer, and nothing has the focus.
      assertEquals(await composerFocused(phone), false, "phone: the window opened without the keyboard");
      await phone.tap(".nav-toggle");
      await Promise.all([
        phone.waitForURL(/\/chat\/%23beta$/),
        phone.locator(".server-nav a.nav-window", { hasText: "#beta" }).tap(),
      ]);
      await settled(phone);
      assertEquals(await composerFocused(phone), false, "phone: the input is not focused after the switch");
      // The input is there and works once the user taps it.
      await phone.tap("#composer-input");
      assertEquals(await composerFocused(phone), true, "phone: a tap focuses the input");
      assertEquals(problems, []);
    }),
});
