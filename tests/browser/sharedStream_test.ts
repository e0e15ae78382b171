/**
 * One live stream per browser, in a real browser (Debian's Chromium through
 * playwright-core) against the app as `deno task start` runs it and a real
 * IRC server (ngircd): eight tabs of one channel, over HTTP/1.1 (six
 * connections per host), each shows a live message; one stream serves them
 * all, and when the tab holding it closes another takes over, with nothing
 * missed or shown twice.
 */
import type { Page } from "playwright-core";
import { assertEquals, waitFor } from "../support/assert.ts";
import { startAppProcess } from "../support/appProcess.ts";
import { launchChromium } from "../support/chromium.ts";
import { createTestDatabase } from "../support/database.ts";
import { startNgircd } from "../support/ngircd.ts";
import { connectRawIrcClient } from "../support/rawIrcClient.ts";
import { createUser } from "../../lib/users.ts";
import { insertServer } from "../../lib/servers.ts";

const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const WAIT = 30_000;
const TABS = 8;

/** The message lines of the open window holding `text`. */
function line(page: Page, text: string) {
  return page.locator("ol.messages li.msg:not(.pending)", { hasText: text });
}

Deno.test({
  name:
    "browser: eight tabs share one live stream, each sees live messages, another tab takes over when it closes",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const database = await createTestDatabase();
    await Deno.mkdir(`${root}/tmp`, { recursive: true });
    const socketDir = await Deno.makeTempDir({ dir: `${root}/tmp`, prefix: "tabs-sockets-" });
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
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    const streams: string[] = [];
    context.on("request", (request) => {
      if (new URL(request.url()).pathname === "/api/events") streams.push(request.url());
    });
    const problems: string[] = [];
    const pages: Page[] = [];
    try {
      const first = await context.newPage();
      first.setDefaultTimeout(WAIT);
      await first.goto(`${app.url}/login`);
      await first.fill("#field-name", "alice");
      await first.fill("#field-password", "correct horse battery");
      await Promise.all([first.waitForURL(`${app.url}/`), first.click("button[type=submit]")]);
      await first.goto(`${app.url}/servers/${server.id}`);
      await first.click("button:has-text('Connect')");
      await first.locator(".server-toolbar [data-status=connected]").waitFor();
      await bob.join("#ruby");
      await first.fill("#composer-input", "/join #ruby");
      await first.press("#composer-input", "Enter");
      await bob.waitForMember("#ruby", "alice");

      const channelUrl = `${app.url}/servers/${server.id}/chat/%23ruby`;
      let afterFirst = 0;
      for (let i = 0; i < TABS; i++) {
        const page = i === 0 ? first : await context.newPage();
        page.setDefaultTimeout(WAIT);
        page.on("console", (m) => {
          if (m.type() === "error") problems.push(`tab ${i} console: ${m.text()}`);
        });
        page.on("pageerror", (e) => problems.push(`tab ${i} page error: ${e.message}`));
        const opened = streams.length;
        await page.goto(channelUrl);
        await page.locator("h1", { hasText: "#ruby" }).waitFor();
        pages.push(page);
        // The first tab's new page opens the stream the others share.
        if (i === 0) await waitFor(() => streams.length > opened, WAIT, "the first tab's stream");
        afterFirst = streams.length;
      }

      await bob.send("PRIVMSG #ruby :hello every tab");
      for (const [i, page] of pages.entries()) {
        await line(page, "hello every tab").waitFor();
        assertEquals(await line(page, "hello every tab").count(), 1, `tab ${i} shows it once`);
      }
      // Every tab after the first shares the stream the first one opened.
      const before = streams.length;
      assertEquals(before, afterFirst, `no stream of their own for tabs 2-8: ${streams.join(", ")}`);

      // The tab holding the stream closes: another opens it, from where the
      // tabs were, and every one left sees what follows, once.
      const holders = await Promise.all(
        pages.map((page) => page.evaluate<number>("navigator.locks.query().then((q) => q.held.length)")),
      );
      assertEquals(holders.every((n: number) => n === 1), true, "one tab holds the stream's lock");
      await pages[0].close();
      pages.shift();
      await bob.send("PRIVMSG #ruby :after the leader left");
      await bob.send("PRIVMSG #ruby :and one more");
      for (const [i, page] of pages.entries()) {
        await line(page, "and one more").waitFor();
        assertEquals(await line(page, "after the leader left").count(), 1, `tab ${i + 1}: the first once`);
        assertEquals(await line(page, "and one more").count(), 1, `tab ${i + 1}: the second once`);
        assertEquals(await line(page, "hello every tab").count(), 1, `tab ${i + 1}: the earlier not again`);
      }
      assertEquals(streams.length, before + 1, "one new stream after the holder closed");
      assertEquals(problems, [], "no script errors in the pages");
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
