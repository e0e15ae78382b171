/// <reference lib="dom" />
/**
 * The 390x844 layout in a real browser (Debian's Chromium through
 * playwright-core), the app as `deno task start` runs it, and ngircd: the
 * window list and the nick list are drawers, closed over the messages until
 * opened, checked by element boxes and by the pixels of screenshots (under
 * tmp/screenshots/); touch targets of 44 px; the input above the keyboard.
 */
import type { Browser, Page } from "playwright-core";
import { assert, assertEquals, waitFor } from "../support/assert.ts";
import { connectServer, joinChannel, logIn, startBrowserApp, USER } from "../support/browserApp.ts";
import { withIrcPeer } from "../support/ircPeer.ts";

const WAIT = 30_000;
const W = 390;
const H = 844;
const shots = `${new URL("../..", import.meta.url).pathname}tmp/screenshots`;

type Rgb = [number, number, number];

/** Takes a screenshot to `name`.png and reads the colours at `points` from it (drawn in a canvas of its own page). */
async function screenshotColours(browser: Browser, page: Page, name: string, points: [number, number][]) {
  const png = await page.screenshot({ path: `${shots}/${name}.png` });
  const reader = await browser.newPage();
  try {
    await reader.setContent(`<img src="data:image/png;base64,${png.toString("base64")}">`);
    return await reader.evaluate(async (points) => {
      const img = document.querySelector("img")!;
      await img.decode();
      const canvas = document.createElement("canvas");
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const g = canvas.getContext("2d")!;
      g.drawImage(img, 0, 0);
      return points.map(([x, y]) => [...g.getImageData(x, y, 1, 1).data.slice(0, 3)] as Rgb);
    }, points);
  } finally {
    await reader.close();
  }
}

const brightness = ([r, g, b]: Rgb) => (r + g + b) / 3;

/** Every visible control in `selector` that is under 44 px high (or wide, for buttons). */
function smallTargets(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((selector) => {
    const small: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>(selector)) {
      const box = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (box.width === 0 || style.visibility === "hidden" || el.closest(".visually-hidden, .skip-link")) {
        continue;
      }
      if (box.height < 44 || (el.tagName === "BUTTON" && box.width < 44)) {
        small.push(
          `${el.tagName.toLowerCase()}.${el.className} "${el.textContent?.trim()}" ${box.width}x${box.height}`,
        );
      }
    }
    return small;
  }, selector);
}

async function box(page: Page, selector: string) {
  const b = await page.locator(selector).boundingBox();
  assert(b, `${selector} has a box`);
  return b;
}

Deno.test({
  name:
    "browser: at 390x844 the window list and the nick list are drawers, targets are 44 px, the input stays in view",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withIrcPeer(async ({ ngircd, bob }) => {
      const t = await startBrowserApp({ ircPort: ngircd.port, socketPrefix: "phone-sockets-" });
      try {
        const context = await t.browser.newContext({
          viewport: { width: W, height: H },
          hasTouch: true,
          isMobile: true,
          colorScheme: "light",
        });
        const page = await context.newPage();
        page.setDefaultTimeout(WAIT);
        const serverUrl = `${t.app.url}/servers/${t.server.id}`;
        await logIn(page, t.app.url);
        await connectServer(page, t.app.url, t.server.id);
        await bob.join("#ruby");
        await joinChannel(page, "#ruby");
        await bob.waitForMember("#ruby", USER.name);
        for (let i = 1; i <= 30; i++) await bob.send(`PRIVMSG #ruby :line ${i} of the chat`);
        await page.locator(".msg", { hasText: "line 30 of the chat" }).waitFor();

        // The server's window: no sidebar, no stack of controls above the messages.
        await page.goto(serverUrl);
        const sidebar = await box(page, ".sidebar");
        assert(sidebar.x + sidebar.width <= 0, `the drawer is off screen: ${JSON.stringify(sidebar)}`);
        const scroller = await box(page, ".scroller");
        assert(scroller.y < 160, `the messages start near the top: ${scroller.y}`);
        assert(scroller.height > H * 0.6, `and take most of the height: ${scroller.height}`);
        assertEquals(
          await smallTargets(
            page,
            ".window-header a, .window-header button, .server-toolbar a, .server-toolbar button, .composer button, .composer textarea",
          ),
          [],
        );
        const [leftClosed, rightClosed] = await screenshotColours(t.browser, page, "phone-server-window", [[
          20,
          420,
        ], [370, 420]]);

        // The window list opens over the left of the window, darkening the rest; 44 px targets inside.
        await page.click(".nav-toggle");
        await waitFor(async () => (await box(page, ".sidebar")).x === 0, WAIT, "the drawer open");
        const open = await box(page, ".sidebar");
        assert(
          open.width >= 300 && open.width <= 340 && open.height === H,
          `a drawer: ${JSON.stringify(open)}`,
        );
        assertEquals(await page.getAttribute(".nav-toggle", "aria-expanded"), "true");
        assertEquals(await smallTargets(page, ".sidebar a, .sidebar button, .sidebar input"), []);
        const [leftOpen, rightOpen] = await screenshotColours(t.browser, page, "phone-nav-open", [[20, 420], [
          370,
          420,
        ]]);
        assertEquals(rightClosed, leftClosed, "closed: the messages' background on both sides");
        assert(
          brightness(rightOpen) < brightness(rightClosed) - 40,
          `the rest darkened: ${rightOpen} vs ${rightClosed}`,
        );
        assert(brightness(leftOpen) > brightness(rightOpen) + 40, `the drawer is not darkened: ${leftOpen}`);
        // A tap beside it closes it; a window picked in it opens, with the drawer closed.
        await page.mouse.click(370, 420);
        await waitFor(
          async () => {
            const b = await box(page, ".sidebar");
            return b.x + b.width <= 0;
          },
          WAIT,
          "the drawer closed",
        );
        await page.click(".nav-toggle");
        await Promise.all([
          page.waitForURL(/\/chat\/%23ruby$/),
          page.locator(".server-nav a.nav-window", { hasText: "#ruby" }).click(),
        ]);
        const closedAgain = await box(page, ".sidebar");
        assert(closedAgain.x + closedAgain.width <= 0, "closed in the window opened");

        // The nick list: a drawer from the right.
        await page.evaluate("localStorage.removeItem('ircweb.nicklist.open')");
        await page.reload();
        await page.locator(".member-count", { hasText: "2 users" }).waitFor();
        const [, , messagesShown] = await screenshotColours(t.browser, page, "phone-channel", [[20, 420], [
          370,
          420,
        ], [200, 600]]);
        await page.click(".member-count");
        const nicks = await box(page, ".nicklist");
        assertEquals(Math.round(nicks.x + nicks.width), W, "at the right edge");
        assert(nicks.height >= H - 1 && nicks.width < W, `a drawer: ${JSON.stringify(nicks)}`);
        assertEquals(await smallTargets(page, ".nicklist button"), []);
        const [nickLeft, nickRight] = await screenshotColours(t.browser, page, "phone-nicklist-open", [[
          20,
          420,
        ], [370, 420]]);
        assert(brightness(nickLeft) < brightness(messagesShown) - 40, `the messages darkened: ${nickLeft}`);
        assert(brightness(nickRight) > brightness(nickLeft) + 40, `the list itself is not: ${nickRight}`);
        await page.click(".nicklist-close");

        // The input at the bottom, the page itself not scrolling; with the keyboard up
        // (the layout viewport shrunk, as interactive-widget=resizes-content asks), still in view.
        assertEquals(
          await page.getAttribute('meta[name="viewport"]', "content"),
          "width=device-width, initial-scale=1, interactive-widget=resizes-content",
        );
        const composer = await box(page, ".composer");
        assert(
          composer.y + composer.height <= H && composer.y + composer.height > H - 2,
          `at the bottom: ${composer.y}`,
        );
        assertEquals(await page.evaluate(() => document.scrollingElement!.scrollHeight <= innerHeight), true);
        await page.setViewportSize({ width: W, height: 480 });
        const raised = await box(page, ".composer");
        assert(
          raised.y + raised.height <= 480 && raised.y > 240,
          `above the keyboard: ${JSON.stringify(raised)}`,
        );
        await page.setViewportSize({ width: W, height: H });

        // The home page: a way into the channels.
        await page.goto(`${t.app.url}/`);
        const ruby = page.locator(".card-windows a", { hasText: "#ruby" });
        const link = await ruby.boundingBox();
        assert(
          link && link.x >= 0 && link.x + link.width <= W && link.height >= 44,
          `in view: ${JSON.stringify(link)}`,
        );
        await page.screenshot({ path: `${shots}/phone-home.png` });
        await Promise.all([page.waitForURL(/\/chat\/%23ruby$/), ruby.click()]);
        await context.close();
      } catch (error) {
        throw new Error(`${error instanceof Error ? error.stack : error}\n--- app log ---\n${t.app.log()}`);
      } finally {
        await t.close();
      }
    }),
});
