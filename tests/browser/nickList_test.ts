/**
 * The nick list in a real browser (Debian's Chromium through
 * playwright-core) against the app as `deno task start` runs it and a real
 * IRC server (InspIRCd 3, as the bench starts it, for away-notify), with
 * other users on raw connections: the list read on opening the channel
 * (NAMES, with bob's op prefix), then live through a join, a mode change
 * (+o), a nick change, away and back, and a part; the count in the header;
 * a nick's menu (query, whois, and op actions once we are op); and the
 * drawer at phone width. Screenshots go to `tmp/screenshots/`.
 */
import type { Page } from "playwright-core";
import { assertEquals } from "../support/assert.ts";
import { connectServer, joinChannel, logIn, startBrowserApp } from "../support/browserApp.ts";
import { startInspIrcd } from "../../bench/support/inspircd.ts";
import { connectRawIrcClient } from "../support/rawIrcClient.ts";

const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const WAIT = 30_000;

/** The nick list's entries, as shown: prefix and nick. */
async function nicks(page: Page): Promise<string[]> {
  return (await page.locator(".nicklist .nick-button").allInnerTexts()).map((t) => t.replace(/\s+/g, ""));
}

/** Waits until the nick list shows exactly `expected`, in order. */
async function waitForNicks(page: Page, expected: string[]): Promise<void> {
  const deadline = Date.now() + WAIT;
  let seen: string[] = [];
  while (Date.now() < deadline) {
    seen = await nicks(page);
    if (JSON.stringify(seen) === JSON.stringify(expected)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assertEquals(seen, expected, "the nick list");
}

Deno.test({
  name: "browser: the nick list, live through a join, +o, a nick change and a part, with its menu and drawer",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const ircd = await startInspIrcd();
    const { server, app, browser, close } = await startBrowserApp({
      ircPort: ircd.port,
      socketPrefix: "nicks-sockets-",
    });
    const bob = await connectRawIrcClient(ircd.port, "bob");
    const carol = await connectRawIrcClient(ircd.port, "carol");
    const context = await browser.newContext({ viewport: { width: 1200, height: 760 } });
    const problems: string[] = [];
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(WAIT);
      page.on("console", (m) => {
        if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) {
          problems.push(`console: ${m.text()}`);
        }
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      await logIn(page, app.url);
      await connectServer(page, app.url, server.id);
      // bob is first in, so the server makes him the channel's operator.
      await bob.join("#ruby");
      await joinChannel(page, "#ruby");
      await bob.waitForMember("#ruby", "alice");

      await page.goto(`${app.url}/servers/${server.id}/chat/%23ruby`);
      await waitForNicks(page, ["@bob", "alice"]);
      await page.locator(".member-count", { hasText: "2 users" }).waitFor();

      await carol.join("#ruby");
      await waitForNicks(page, ["@bob", "alice", "carol"]);
      await page.locator(".member-count", { hasText: "3 users" }).waitFor();

      await bob.send("MODE #ruby +o carol");
      await waitForNicks(page, ["@bob", "@carol", "alice"]);

      await carol.send("NICK zoe");
      await waitForNicks(page, ["@bob", "@zoe", "alice"]);
      // Away (away-notify): dimmed, with the message in the tooltip; back: not.
      await carol.send("AWAY :lunch");
      const zoe = page.locator(".nicklist li.nick", { hasText: "zoe" });
      await page.locator(".nicklist li.nick.away", { hasText: "zoe" }).waitFor();
      assertEquals((await zoe.locator("button").getAttribute("title"))?.includes("Away: lunch"), true);
      await page.screenshot({ path: `${root}/tmp/screenshots/nicklist-wide.png` });
      await carol.send("AWAY");
      await page.locator(".nicklist li.nick:not(.away)", { hasText: "zoe" }).waitFor();

      // Not an operator: the menu offers a query and a whois only.
      await page.click(".nicklist .nick-button:has-text('zoe')");
      const menu = page.locator(".nick-menu");
      assertEquals(await menu.locator("[role=menuitem]").allInnerTexts(), ["Query", "Whois"]);
      // Whois goes out as the line the user would type, through the outbox.
      const sent = page.waitForRequest((r) =>
        r.method() === "POST" && new URL(r.url()).pathname === `/api/servers/${server.id}/messages`
      );
      await menu.locator("button:has-text('Whois')").click();
      assertEquals((await sent).postDataJSON()?.content, "/whois zoe");

      // Opped: op, voice, kick and ban are offered too.
      await bob.send("MODE #ruby +o alice");
      await waitForNicks(page, ["@alice", "@bob", "@zoe"]);
      await page.click(".nicklist .nick-button:has-text('zoe')");
      assertEquals(await page.locator(".nick-menu [role=menuitem]").allInnerTexts(), [
        "Query",
        "Whois",
        "Deop",
        "Voice",
        "Kick",
        "Ban",
      ]);
      await Promise.all([
        page.waitForURL(/\/chat\/zoe$/),
        page.click(".nick-menu a:has-text('Query')"),
      ]);
      await page.goto(`${app.url}/servers/${server.id}/chat/%23ruby`);

      await bob.send("PART #ruby :later");
      await waitForNicks(page, ["@alice", "@zoe"]);

      // Collapsed from the header, and open again.
      await page.click(".member-count");
      assertEquals(await page.locator(".nicklist").count(), 0);
      await page.click(".member-count");
      await waitForNicks(page, ["@alice", "@zoe"]);

      // A phone: the list is a drawer, closed until the count is tapped.
      await page.setViewportSize({ width: 390, height: 780 });
      await page.evaluate("localStorage.removeItem('ircweb.nicklist.open')");
      await page.reload();
      await page.locator(".member-count", { hasText: "2 users" }).waitFor();
      assertEquals(await page.locator(".nicklist").count(), 0, "closed on a phone");
      await page.click(".member-count");
      await waitForNicks(page, ["@alice", "@zoe"]);
      const box = await page.locator(".nicklist").boundingBox();
      assertEquals(
        box !== null && Math.round(box.x + box.width) === 390 && box.height >= 700,
        true,
        "a drawer",
      );
      await page.screenshot({ path: `${root}/tmp/screenshots/nicklist-phone.png` });
      await page.click(".nicklist-close");
      assertEquals(await page.locator(".nicklist").count(), 0);
      assertEquals(problems, [], "no script errors in the page");
    } catch (error) {
      throw new Error(`${error instanceof Error ? error.stack : error}\n--- app log ---\n${app.log()}`);
    } finally {
      await bob.close().catch(() => {});
      await carol.close().catch(() => {});
      await close();
      await ircd.stop();
    }
  },
});
