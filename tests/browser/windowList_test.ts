/// <reference lib="dom" />
/**
 * The window list in a real browser (Debian's Chromium through
 * playwright-core), the app as `deno task start` runs it, and ngircd with
 * bob: closing a channel (it parts) and a query, reordering by drag and drop
 * and by Alt+Up/Down, kept on another device; ignored nicks count nowhere.
 */
import type { Page } from "playwright-core";
import { assertEquals } from "../support/assert.ts";
import { connectServer, joinChannel, logIn, startBrowserApp, USER } from "../support/browserApp.ts";
import { withIrcPeer } from "../support/ircPeer.ts";
import { connectRawIrcClient } from "../support/rawIrcClient.ts";
import { openDevice } from "../support/devicePage.ts";
import { waitForNavWindows } from "../support/navWindows.ts";

const WAIT = 30_000;

const waitForWindows = (page: Page, expected: string[]) => waitForNavWindows(page, expected, WAIT);

Deno.test({
  name:
    "browser: windows closed (a channel parted) and reordered by drag and by keys, kept on another device",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withIrcPeer(async ({ ngircd, bob }) => {
      const t = await startBrowserApp({ ircPort: ngircd.port, socketPrefix: "windows-sockets-" });
      const problems: string[] = [];
      try {
        const context = await t.browser.newContext({ viewport: { width: 1100, height: 720 } });
        const page = await context.newPage();
        page.setDefaultTimeout(WAIT);
        page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
        const serverUrl = `${t.app.url}/servers/${t.server.id}`;
        await logIn(page, t.app.url);
        await connectServer(page, t.app.url, t.server.id);
        for (const channel of ["#alpha", "#beta", "#gamma"]) {
          await bob.join(channel);
          await page.goto(serverUrl);
          await joinChannel(page, channel);
          await bob.waitForMember(channel, USER.name);
        }
        await bob.send(`PRIVMSG ${USER.name} :psst`);
        await page.goto(serverUrl);
        await waitForWindows(page, ["#alpha", "#beta", "#gamma", "bob"]);

        // Drag #gamma onto #alpha: it takes #alpha's place.
        await page.dragAndDrop(
          ".nav-window-item:has(.nav-name:text-is('#gamma'))",
          ".nav-window-item:has(.nav-name:text-is('#alpha'))",
        );
        await waitForWindows(page, ["#gamma", "#alpha", "#beta", "bob"]);
        // Alt+Down on bob does nothing (the last), Alt+Up moves it up, and it keeps the focus.
        const bobLink = page.locator(".server-nav a.nav-window", { hasText: "bob" });
        await bobLink.focus();
        await page.keyboard.press("Alt+ArrowUp");
        await waitForWindows(page, ["#gamma", "#alpha", "bob", "#beta"]);
        await page.keyboard.press("Alt+ArrowUp");
        await waitForWindows(page, ["#gamma", "bob", "#alpha", "#beta"]);
        assertEquals(
          await page.evaluate(() => document.activeElement?.querySelector(".nav-name")?.textContent),
          "bob",
          "the moved window keeps the focus",
        );

        // Stored: after a reload, and on another device (a second browser context).
        await page.reload();
        await waitForWindows(page, ["#gamma", "bob", "#alpha", "#beta"]);
        const other = await openDevice(t.browser, t.app.url, WAIT);
        await other.goto(serverUrl);
        await waitForWindows(other, ["#gamma", "bob", "#alpha", "#beta"]);

        // Close #alpha from its own window: it is parted (bob sees the PART) and gone from the list;
        // the page moves to the server's window.
        await page.goto(`${serverUrl}/chat/%23alpha`);
        await page.locator(".nav-window-item:has(.nav-name:text-is('#alpha')) .nav-close").click();
        await bob.waitForLine(new RegExp(`^:${USER.name}!\\S+ PART #alpha`));
        await page.waitForURL(serverUrl);
        await waitForWindows(page, ["#gamma", "bob", "#beta"]);
        // Closing the query: gone too, and both stay gone after a reload.
        await page.locator(".nav-window-item:has(.nav-name:text-is('bob')) .nav-close").click();
        await waitForWindows(page, ["#gamma", "#beta"]);
        await page.reload();
        await waitForWindows(page, ["#gamma", "#beta"]);
        // The server's own window has no close.
        assertEquals(await page.locator(".nav-server .nav-server-link + .nav-close").count(), 0);
        // bob writes again: the query is back, in its place.
        await bob.send(`PRIVMSG ${USER.name} :still there?`);
        await waitForWindows(page, ["#gamma", "#beta", "bob"]);
        await page.reload();
        await waitForWindows(page, ["#gamma", "bob", "#beta"]);
        assertEquals(problems, [], "no script errors in the page");
      } catch (error) {
        throw new Error(`${error instanceof Error ? error.stack : error}\n--- app log ---\n${t.app.log()}`);
      } finally {
        await t.close();
      }
    }),
});

Deno.test({
  name: "browser: an ignored nick's lines raise no unread count, no mention badge and no title count",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withIrcPeer(async ({ ngircd, bob }) => {
      const t = await startBrowserApp({ ircPort: ngircd.port, socketPrefix: "ignored-sockets-" });
      try {
        const page = await (await t.browser.newContext({ viewport: { width: 1100, height: 720 } })).newPage();
        page.setDefaultTimeout(WAIT);
        const serverUrl = `${t.app.url}/servers/${t.server.id}`;
        await logIn(page, t.app.url);
        await connectServer(page, t.app.url, t.server.id);
        await bob.join("#ruby");
        await page.goto(serverUrl);
        await joinChannel(page, "#ruby");
        await bob.waitForMember("#ruby", USER.name);
        await page.fill("#composer-input", "/ignore bob");
        await page.press("#composer-input", "Enter");
        await page.locator(".composer-info", { hasText: "Ignoring bob" }).waitFor();
        await page.goto(serverUrl);
        const ruby = page.locator(".server-nav a.nav-window", { hasText: "#ruby" });
        await ruby.waitFor();
        const title = await page.title();

        // Live: bob's mention counts for nothing; then carol's line counts (so the first was seen).
        const carol = await connectRawIrcClient(ngircd.port, "carol");
        try {
          await carol.join("#ruby");
          await bob.send("PRIVMSG #ruby :alice: look at this");
          await bob.send(`PRIVMSG ${USER.name} :psst`);
          await carol.send("PRIVMSG #ruby :just chatting");
          await page.locator(".server-nav a.nav-window.has-unread", { hasText: "#ruby" }).waitFor();
          assertEquals(await ruby.locator(".unread").getAttribute("aria-label"), "1 unread");
          assertEquals(await page.locator(".server-nav a.nav-window.has-mention").count(), 0);
          assertEquals(await page.title(), title, "no mention in the title");
          // After a reload, the count is the server's: the same.
          await page.reload();
          await ruby.locator(".unread").waitFor();
          assertEquals(await ruby.locator(".unread").getAttribute("aria-label"), "1 unread");
          assertEquals(await page.locator(".server-nav a.nav-window.has-mention").count(), 0);
          assertEquals(await page.locator(".server-nav a.nav-window", { hasText: "bob" }).count(), 1);
          assertEquals(
            await page.locator(".server-nav a.nav-window", { hasText: "bob" }).locator(".unread").count(),
            0,
            "the ignored nick's query counts nothing",
          );
        } finally {
          await carol.close();
        }
      } catch (error) {
        throw new Error(`${error instanceof Error ? error.stack : error}\n--- app log ---\n${t.app.log()}`);
      } finally {
        await t.close();
      }
    }),
});
