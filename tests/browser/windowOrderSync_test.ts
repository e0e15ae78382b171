/// <reference lib="dom" />
/**
 * The window order across a user's devices, in a real browser (Debian's
 * Chromium through playwright-core; two browser contexts play two devices)
 * against the app as `deno task start` runs it: windows reordered on one
 * device move on the other at once, without a reload, through the `order`
 * event of the live stream.
 */
import type { Browser, Page } from "playwright-core";
import { assertEquals, waitFor } from "../support/assert.ts";
import { withBrowserApp } from "../support/browserApp.ts";
import { openDevice } from "../support/devicePage.ts";
import { waitForNavWindows } from "../support/navWindows.ts";
import { setChannelJoined } from "../../lib/channels.ts";

const WAIT = 30_000;

const device = (browser: Browser, base: string) => openDevice(browser, base, WAIT);
const waitForWindows = (page: Page, expected: string[]) => waitForNavWindows(page, expected, WAIT);

Deno.test({
  name: "browser: windows reordered on one device move on another, live",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    // No IRC connection is made: the windows are the channels the log says she was in.
    withBrowserApp({ ircPort: 6667, socketPrefix: "ordersync-sockets-" }, async (t) => {
      for (const channel of ["#alpha", "#beta", "#gamma"]) {
        await setChannelJoined(t.database.db, t.server.id, channel, true);
      }
      const problems: string[] = [];
      const laptop = await device(t.browser, t.app.url);
      const phone = await device(t.browser, t.app.url);
      // The navigation reads the order when its stream connects: after that, only the live event moves it.
      let phoneConnected = false;
      phone.on("response", (response) => {
        if (new URL(response.url()).pathname === `/api/servers/${t.server.id}/windows`) phoneConnected = true;
      });
      for (const page of [laptop, phone]) {
        page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      }
      const serverUrl = `${t.app.url}/servers/${t.server.id}`;
      await laptop.goto(serverUrl);
      await phone.goto(serverUrl);
      for (const page of [laptop, phone]) await waitForWindows(page, ["#alpha", "#beta", "#gamma"]);
      await waitFor(() => phoneConnected, WAIT, "the phone's live stream");
      await phone.evaluate(() => Object.assign(globalThis, { samePage: true }));

      // On the laptop: #gamma up twice, by keys.
      const gamma = laptop.locator(".server-nav a.nav-window", { hasText: "#gamma" });
      await gamma.focus();
      await laptop.keyboard.press("Alt+ArrowUp");
      await waitForWindows(laptop, ["#alpha", "#gamma", "#beta"]);
      await laptop.keyboard.press("Alt+ArrowUp");
      await waitForWindows(laptop, ["#gamma", "#alpha", "#beta"]);

      // The phone shows it on the same page.
      await waitForWindows(phone, ["#gamma", "#alpha", "#beta"]);
      assertEquals(await phone.evaluate(() => "samePage" in globalThis), true, "no reload");
      // And the laptop, hearing its own change, keeps it.
      await waitForWindows(laptop, ["#gamma", "#alpha", "#beta"]);
      assertEquals(problems, []);
    }),
});
