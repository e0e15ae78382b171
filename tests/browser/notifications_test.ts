/// <reference lib="dom" />
/**
 * Desktop notifications in a real browser (Debian's Chromium through
 * playwright-core, the permission granted) against the app as `deno task
 * start` runs it and a real IRC server (ngircd): a mention raises one while
 * the tab is hidden, a highlight word from the settings page too; a line
 * that mentions no one does not, nor anything while the tab is seen, nor a
 * window set to notify of nothing. The page's `Notification` is wrapped to
 * record what it is asked to show, and still shows it.
 */
import { assertEquals } from "../support/assert.ts";
import { connectServer, joinWith, logIn, withBrowserPeer } from "../support/browserApp.ts";

const WAIT = 30_000;

/** Run before the page's scripts: records each notification shown (and shows it). */
const RECORD_NOTIFICATIONS = `{
  const Native = globalThis.Notification;
  globalThis.shown = [];
  globalThis.Notification = class extends Native {
    constructor(title, options) {
      super(title, options);
      globalThis.shown.push({ title, body: options?.body ?? "", tag: options?.tag ?? "" });
    }
  };
}`;

/** Run in the page: the tab hidden, as when the user is in another tab. */
const HIDE =
  `Object.defineProperty(document, "visibilityState", { get: () => "hidden", configurable: true })`;
const SHOW =
  `Object.defineProperty(document, "visibilityState", { get: () => "visible", configurable: true })`;

Deno.test({
  name:
    "browser: a mention or a highlight word raises a desktop notification while the tab is hidden, by the window's level",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withBrowserPeer("notify-sockets-", async ({ server, app, browser, bob }) => {
      const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
      await context.grantPermissions(["notifications"], { origin: app.url });
      await context.addInitScript(RECORD_NOTIFICATIONS);
      const page = await context.newPage();
      const problems: string[] = [];
      const shown = () => page.evaluate<{ title: string; body: string; tag: string }[]>("globalThis.shown");
      page.setDefaultTimeout(WAIT);
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      await logIn(page, app.url);
      const serverUrl = `${app.url}/servers/${server.id}`;
      await connectServer(page, app.url, server.id);
      for (const channel of ["#ruby", "#quiet"]) await joinWith(page, bob, channel);

      // The settings page: a highlight word, and #quiet notifies of nothing.
      await page.goto(`${app.url}/settings`);
      await page.fill("#field-highlight_words", "deploy");
      await page.selectOption(`select[name="notify:${server.id}/#quiet"]`, "none");
      await Promise.all([
        page.waitForURL(/\/settings\?saved=1$/),
        page.click("button:has-text('Save settings')"),
      ]);
      await page.goto(serverUrl);
      await page.locator(".server-nav a.nav-window", { hasText: "#ruby" }).waitFor();
      await page.evaluate(HIDE);

      await bob.send("PRIVMSG #ruby :nothing for anyone");
      await bob.send("PRIVMSG #quiet :alice: you will not hear this");
      await bob.send("PRIVMSG #ruby :alice: are you there?");
      await page.waitForFunction(() => (globalThis as unknown as { shown: unknown[] }).shown.length >= 1);
      await bob.send("PRIVMSG #ruby :the deploy is done");
      await page.waitForFunction(() => (globalThis as unknown as { shown: unknown[] }).shown.length >= 2);
      // Seen: nothing raised, even for a mention.
      await page.evaluate(SHOW);
      await bob.send("PRIVMSG #ruby :alice: and now?");
      // Once the navigation counted it, its notification would have been raised.
      await page.locator('.server-nav .unread[aria-label="4 unread, 3 mentioning you"]').waitFor();
      const list = await shown();
      assertEquals(list.map((n) => [n.title, n.body]), [
        ["#ruby · bob", "alice: are you there?"],
        ["#ruby · bob", "the deploy is done"],
      ]);
      assertEquals(list.every((n) => /^ircweb-message-\d+$/.test(n.tag)), true, "tagged with their message");
      assertEquals(problems, []);
    }),
});
