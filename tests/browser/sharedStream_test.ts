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
import { connectServer, joinWith, logIn, withBrowserPeer } from "../support/browserApp.ts";

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
  fn: () =>
    withBrowserPeer("tabs-sockets-", async ({ server, app, browser, bob }) => {
      const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
      const streams: string[] = [];
      context.on("request", (request) => {
        if (new URL(request.url()).pathname === "/api/events") streams.push(request.url());
      });
      const problems: string[] = [];
      const pages: Page[] = [];
      const first = await context.newPage();
      first.setDefaultTimeout(WAIT);
      await logIn(first, app.url);
      await connectServer(first, app.url, server.id);
      await joinWith(first, bob, "#ruby");

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
    }),
});
