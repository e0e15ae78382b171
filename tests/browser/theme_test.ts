/// <reference lib="dom" />
/**
 * The user's theme on every page, in a real browser (Debian's Chromium
 * through playwright-core) against the app as `deno task start` runs it:
 * chosen dark on a light system, every page is dark, the login page too
 * once logged out (the browser remembers it). No IRC server is reached.
 */
import type { Page } from "playwright-core";
import { assertEquals } from "../support/assert.ts";
import { logIn, startBrowserApp } from "../support/browserApp.ts";

const DARK_BG = "rgb(21, 23, 28)";
const LIGHT_BG = "rgb(246, 247, 249)";

function background(page: Page): Promise<string> {
  return page.evaluate(() => getComputedStyle(document.body).backgroundColor);
}

Deno.test({
  name: "browser: the theme chosen in the settings applies on every page, the login page included",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    // Port 9 (discard): the server is stored but never connected.
    const t = await startBrowserApp({ ircPort: 9, socketPrefix: "theme-sockets-" });
    try {
      const context = await t.browser.newContext({
        viewport: { width: 1000, height: 700 },
        colorScheme: "light",
      });
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      const base = t.app.url;
      await logIn(page, base);
      assertEquals(await background(page), LIGHT_BG, "auto on a light system: light");
      await page.goto(`${base}/settings`);
      await page.selectOption("#field-theme", "dark");
      await Promise.all([page.waitForNavigation(), page.click("button:has-text('Save settings')")]);
      const pages = [
        "/",
        "/settings",
        "/search?q=hello",
        "/servers/new",
        `/servers/${t.server.id}/edit`,
        `/servers/${t.server.id}/channels`,
        `/servers/${t.server.id}`,
        `/servers/${t.server.id}/chat/%23ruby`,
      ];
      for (const path of pages) {
        await page.goto(`${base}${path}`);
        assertEquals(await page.getAttribute("html", "data-theme"), "dark", path);
        assertEquals(await background(page), DARK_BG, path);
      }
      await Promise.all([page.waitForURL(`${base}/login`), page.click("button:has-text('Log out')")]);
      assertEquals(await background(page), DARK_BG, "the login page, logged out");
      await page.screenshot({ path: `${Deno.cwd()}/tmp/screenshots/theme-dark-login.png` });
      await context.close();
    } catch (error) {
      throw new Error(`${error instanceof Error ? error.stack : error}\n--- app log ---\n${t.app.log()}`);
    } finally {
      await t.close();
    }
  },
});
