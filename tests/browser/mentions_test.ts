/// <reference lib="dom" />
/**
 * Mentions in a real browser (Debian's Chromium through playwright-core)
 * against the app as `deno task start` runs it and a real IRC server
 * (ngircd): a window that mentions the user gets a badge of its own, the
 * same after a reload; the tab's title and icon count the mentions; the
 * highlighted nick takes no space of its own; after a reconnect under an
 * alternative nick (`alice_`, the nick taken meanwhile) mentions are of
 * that nick.
 */
import type { Page } from "playwright-core";
import { assert, assertEquals, assertMatch, waitFor } from "../support/assert.ts";
import { connectServer, joinWith, logIn, withBrowserApp } from "../support/browserApp.ts";
import { withIrcPeer } from "../support/ircPeer.ts";
import { connectRawIrcClient, type RawIrcClient } from "../support/rawIrcClient.ts";
import { startTcpProxy } from "../support/tcpProxy.ts";

const WAIT = 30_000;

/** The navigation's link to `target`. */
function navWindow(page: Page, target: string) {
  return page.locator(".server-nav a.nav-window", { has: page.locator(".nav-name", { hasText: target }) });
}

Deno.test({
  name:
    "browser: a mention's badge, title and icon, the same after a reload; no space after the nick; mentions of an alternative nick",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withIrcPeer(async ({ ngircd, bob }) => {
      // Between the app's IRC connection and ngircd, to drop it.
      const ircLink = startTcpProxy(ngircd.port);
      try {
        await withBrowserApp({ ircPort: ircLink.port, socketPrefix: "mentions-sockets-" }, async (t) => {
          const { database, server, app, browser } = t;
          let impostor: RawIrcClient | undefined;
          const page = await (await browser.newContext({ viewport: { width: 1100, height: 700 } })).newPage();
          const problems: string[] = [];
          try {
            page.setDefaultTimeout(WAIT);
            page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
            await logIn(page, app.url);
            const serverUrl = `${app.url}/servers/${server.id}`;
            await connectServer(page, app.url, server.id);
            await joinWith(page, bob, "#ruby");
            // Back in the server window, so that #ruby's lines count as unread.
            await page.goto(serverUrl);
            await navWindow(page, "#ruby").waitFor();
            const title = await page.title();

            // A plain line: unread, no mention. Then a mention: its own badge.
            await bob.send("PRIVMSG #ruby :just chatting");
            await page.locator(".server-nav a.nav-window.has-unread", { hasText: "#ruby" }).waitFor();
            const plainColour = await navWindow(page, "#ruby").locator(".unread").evaluate((el) =>
              getComputedStyle(el).backgroundColor
            );
            assertEquals(await page.title(), title, "no mention: the title as it was");
            await bob.send("PRIVMSG #ruby :hi alice, welcome!");
            await page.locator(".server-nav a.nav-window.has-mention", { hasText: "#ruby" }).waitFor();
            const badge = navWindow(page, "#ruby").locator(".unread");
            const mentionColour = await badge.evaluate((el) => getComputedStyle(el).backgroundColor);
            assert(
              mentionColour !== plainColour,
              `a mention's badge differs: ${mentionColour} vs ${plainColour}`,
            );
            assertEquals(await badge.getAttribute("aria-label"), "2 unread, 1 mentioning you");
            await page.waitForFunction(() => document.title.startsWith("(1) "));
            assertMatch(
              (await page.locator('link[rel="icon"]').getAttribute("href")) ?? "",
              /^data:image\/svg\+xml,/,
              "the icon shows the count",
            );

            // After a reload: the same badge, the same colour, the same title.
            await page.reload();
            await page.locator(".server-nav a.nav-window.has-mention", { hasText: "#ruby" }).waitFor();
            assertEquals(
              await navWindow(page, "#ruby").locator(".unread").evaluate((el) =>
                getComputedStyle(el).backgroundColor
              ),
              mentionColour,
              "the badge's colour after a reload",
            );
            assertEquals(
              await navWindow(page, "#ruby").locator(".unread").getAttribute("aria-label"),
              "2 unread, 1 mentioning you",
            );
            await page.waitForFunction(() => document.title.startsWith("(1) "));

            // In the window: the highlighted nick is as wide as its letters.
            await Promise.all([page.waitForURL(/\/chat\/%23ruby$/), navWindow(page, "#ruby").click()]);
            const mark = page.locator("ol.messages li.msg", { hasText: "welcome" }).locator("mark.mention");
            assertEquals(await mark.textContent(), "alice");
            const [boxWidth, textWidth] = await mark.evaluate((el) => {
              const range = document.createRange();
              range.selectNodeContents(el);
              return [el.getBoundingClientRect().width, range.getBoundingClientRect().width];
            });
            assert(
              Math.abs(boxWidth - textWidth) < 0.5,
              `the mark adds ${boxWidth - textWidth}px around the nick`,
            );
            await page.waitForFunction((t) => document.title === t.replace(/^Test IRC/, "#ruby"), title);
            // Read, once the window's script says so.
            await waitFor(
              async () =>
                (await database.db.selectFrom("read_markers").select("last_read_id").where(
                  "server_id",
                  "=",
                  server.id,
                )
                  .where("target", "=", "#ruby").executeTakeFirst()) !== undefined,
              WAIT,
              "#ruby to be marked read",
            );

            // The IRC connection drops; someone takes "alice" meanwhile; the app
            // reconnects as alice_, with no NICK line saying so.
            await page.goto(serverUrl);
            ircLink.cut();
            await page.locator(
              ".server-toolbar [data-status=reconnecting], .server-toolbar [data-status=connecting]",
            )
              .first().waitFor();
            for (let tries = 0; !impostor; tries++) {
              try {
                impostor = await connectRawIrcClient(ngircd.port, "alice");
              } catch (error) {
                if (tries > 20) throw error;
                await new Promise((resolve) => setTimeout(resolve, 250));
              }
            }
            ircLink.restore();
            await page.locator(".server-toolbar [data-status=connected]").waitFor();
            await bob.waitForMember("#ruby", "alice_");
            await bob.send("PRIVMSG #ruby :alice is the other one now");
            await bob.send("PRIVMSG #ruby :another line");
            const unread = navWindow(page, "#ruby").locator(".unread");
            await page.waitForFunction(
              () =>
                document.querySelector(".server-nav a.nav-window .unread")?.getAttribute("aria-label")
                  ?.startsWith(
                    "2 ",
                  ),
            );
            assertEquals(
              await unread.getAttribute("aria-label"),
              "2 unread",
              "the old nick is someone else's now",
            );
            await bob.send("PRIVMSG #ruby :hi alice_, welcome back");
            await page.locator(".server-nav a.nav-window.has-mention", { hasText: "#ruby" }).waitFor();
            assertEquals(
              await unread.getAttribute("aria-label"),
              "3 unread, 1 mentioning you",
              "the nick in use is",
            );
            assertEquals(problems, []);
          } finally {
            await impostor?.close().catch(() => {});
          }
        });
      } finally {
        ircLink.close();
      }
    }),
});
