/**
 * Search in a real browser (Debian's Chromium through playwright-core)
 * against the app as `deno task start` runs it: a query typed in the top
 * bar's search box, its results, a click on one landing on that line in its
 * window with the messages around it, and `/search words` in the input line.
 */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { startAppProcess } from "../support/appProcess.ts";
import { launchChromium } from "../support/chromium.ts";
import { createTestDatabase } from "../support/database.ts";
import { createUser } from "../../lib/users.ts";
import { insertServer } from "../../lib/servers.ts";
import { insertMessages } from "../../lib/messages.ts";

const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const WAIT = 30_000;

Deno.test({
  name: "browser: type a search, click a result, land on the line in its window; /search in the input",
  // playwright-core keeps its own timers and pipes to Chromium alive between calls.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const database = await createTestDatabase();
    await Deno.mkdir(`${root}/tmp`, { recursive: true });
    const socketDir = await Deno.makeTempDir({ dir: `${root}/tmp`, prefix: "search-sockets-" });
    await Deno.chmod(socketDir, 0o700);
    const user = await createUser(database.db, "alice", "correct horse battery");
    const server = await insertServer(database.db, {
      user_id: user.id,
      name: "libera",
      host: "127.0.0.1",
      port: 6667,
      tls: false,
      nickname: "alice",
    });
    // A long history: the line searched for is far from the newest, which a window opens at.
    const stored = await insertMessages(
      database.db,
      server.id,
      Array.from({ length: 400 }, (_, i) => ({
        target: "#ruby",
        sender: i === 100 ? "bob" : "carol",
        content: i === 100 ? "the flux capacitor needs 1.21 gigawatts" : `history line ${i}`,
        message_type: "privmsg" as const,
      })),
    );
    const wanted = stored[100].message.id;
    const app = await startAppProcess(database.url, socketDir);
    const browser = await launchChromium();
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 780 } })).newPage();
    const problems: string[] = [];
    try {
      page.setDefaultTimeout(WAIT);
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(`console: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));

      await page.goto(`${app.url}/login`);
      await page.fill("#field-name", "alice");
      await page.fill("#field-password", "correct horse battery");
      await Promise.all([page.waitForURL(`${app.url}/`), page.click("button[type=submit]")]);

      // The top bar's search box: type, Enter, the results page.
      await page.fill("header.topbar input[name=q]", "capacitor gigawatts");
      await Promise.all([
        page.waitForURL(/\/search\?q=capacitor\+gigawatts$/),
        page.press("header.topbar input[name=q]", "Enter"),
      ]);
      const results = page.locator("ol.search-results li.search-result");
      assertEquals(await results.count(), 1);
      assertEquals(await results.locator("mark.search-match").allTextContents(), ["capacitor", "gigawatts"]);

      // Click it: its window opens at the line, with the messages around it.
      await Promise.all([
        page.waitForURL(new RegExp(`/servers/${server.id}/chat/%23ruby\\?around=${wanted}$`)),
        results.locator("a.search-where").click(),
      ]);
      const target = page.locator(`ol.messages li.msg[data-id="${wanted}"]`);
      await target.waitFor();
      assertMatch((await target.getAttribute("class")) ?? "", /\baround-target\b/);
      // Brought into view by the window's script, without scrolling by the test.
      await page.waitForFunction((id: number) => {
        // The page's globals, typed by hand: this file is not checked with the DOM library.
        const page = globalThis as unknown as {
          innerHeight: number;
          document: {
            querySelector(s: string): { getBoundingClientRect(): { top: number; bottom: number } } | null;
          };
        };
        const box = page.document.querySelector(`ol.messages li.msg[data-id="${id}"]`)
          ?.getBoundingClientRect();
        return !!box && box.top >= 0 && box.bottom <= page.innerHeight;
      }, wanted);
      // Its context: lines before and after it, not the newest.
      await page.locator("ol.messages li.msg", { hasText: "history line 99" }).waitFor();
      await page.locator("ol.messages li.msg", { hasText: "history line 101" }).waitFor();
      assertEquals(await page.locator("ol.messages li.msg", { hasText: "history line 399" }).count(), 0);

      // /search in the input line opens the results page.
      await page.fill("#composer-input", "/search from:bob flux");
      await Promise.all([
        page.waitForURL(/\/search\?q=from%3Abob\+flux$/),
        page.press("#composer-input", "Enter"),
      ]);
      assertEquals(await page.locator("ol.search-results li.search-result").count(), 1);
      assertEquals(problems, []);
    } finally {
      await browser.close();
      await app.stop();
      await Deno.remove(socketDir, { recursive: true }).catch(() => {});
      await database.drop();
    }
  },
});
