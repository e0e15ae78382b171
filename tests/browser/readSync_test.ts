/**
 * Read state across a user's devices, in a real browser (Debian's Chromium
 * through playwright-core; two browser contexts play two devices) against
 * the app as `deno task start` runs it and a real IRC server (ngircd): a
 * window read on one device stops showing unread on the other at once,
 * without a reload, through the `read` event of the live stream.
 */
import type { Browser, Page } from "playwright-core";
import { assertEquals } from "../support/assert.ts";
import { startAppProcess } from "../support/appProcess.ts";
import { launchChromium } from "../support/chromium.ts";
import { createTestDatabase } from "../support/database.ts";
import { startNgircd } from "../support/ngircd.ts";
import { connectRawIrcClient } from "../support/rawIrcClient.ts";
import { createUser } from "../../lib/users.ts";
import { insertServer } from "../../lib/servers.ts";

const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const WAIT = 30_000;

async function device(browser: Browser, base: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1100, height: 700 } })).newPage();
  page.setDefaultTimeout(WAIT);
  await page.goto(`${base}/login`);
  await page.fill("#field-name", "alice");
  await page.fill("#field-password", "correct horse battery");
  await Promise.all([page.waitForURL(`${base}/`), page.click("button[type=submit]")]);
  return page;
}

Deno.test({
  name: "browser: a window read on one device shows nothing unread on another, live",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const database = await createTestDatabase();
    await Deno.mkdir(`${root}/tmp`, { recursive: true });
    const socketDir = await Deno.makeTempDir({ dir: `${root}/tmp`, prefix: "readsync-sockets-" });
    await Deno.chmod(socketDir, 0o700);
    const ngircd = await startNgircd();
    const user = await createUser(database.db, "alice", "correct horse battery");
    const server = await insertServer(database.db, {
      user_id: user.id,
      name: "Test IRC",
      host: "127.0.0.1",
      port: ngircd.port,
      tls: false,
      nickname: "alice",
    });
    const app = await startAppProcess(database.url, socketDir);
    const browser = await launchChromium();
    const bob = await connectRawIrcClient(ngircd.port, "bob");
    const problems: string[] = [];
    try {
      const laptop = await device(browser, app.url);
      const phone = await device(browser, app.url);
      for (const page of [laptop, phone]) {
        page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      }
      const serverUrl = `${app.url}/servers/${server.id}`;
      await laptop.goto(serverUrl);
      await laptop.click("button:has-text('Connect')");
      await laptop.locator(".server-toolbar [data-status=connected]").waitFor();
      await bob.join("#ruby");
      await laptop.fill("#composer-input", "/join #ruby");
      await laptop.press("#composer-input", "Enter");
      await bob.waitForMember("#ruby", "alice");

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
    } catch (error) {
      throw new Error(`${error instanceof Error ? error.stack : error}\n--- app log ---\n${app.log()}`);
    } finally {
      await bob.close().catch(() => {});
      await browser.close().catch(() => {});
      await app.stop();
      await ngircd.close();
      await database.drop();
      await Deno.remove(socketDir, { recursive: true }).catch(() => {});
    }
  },
});
