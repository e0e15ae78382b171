/// <reference lib="dom" />
/**
 * Scrolling up past the oldest stored line of a channel loads older lines
 * from the server's history (CHATHISTORY BEFORE), in a real browser against
 * the app as `deno task start` runs it, on the tests' own IRC server.
 */
import { assertEquals } from "../support/assert.ts";
import { connectServer, joinChannel, logIn, withBrowserApp } from "../support/browserApp.ts";
import { type HistoryLine, startFakeIrcServer } from "../support/fakeIrcServer.ts";

const WAIT = 30_000;
const OLD = 250;

// Said before alice ever joined: only the server has them.
function oldLines(): HistoryLine[] {
  return Array.from({ length: OLD }, (_, i) => ({
    target: "#old",
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    msgid: `old${i}`,
    line: `:bob!b@h PRIVMSG #old :old line ${i}`,
  }));
}

Deno.test({
  name: "browser: scrolling up a channel with little stored loads the server's older lines, in order, once",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const irc = startFakeIrcServer({
      caps: ["message-tags", "server-time", "batch", "draft/chathistory"],
      history: oldLines(),
    });
    try {
      await withBrowserApp({ ircPort: irc.port, socketPrefix: "scrollback-sockets-" }, async (t) => {
        const page = await t.browser.newPage();
        await logIn(page, t.app.url);
        await connectServer(page, t.app.url, t.server.id);
        await joinChannel(page, "#old");
        const lines = page.locator("li[data-id] .body", { hasText: "old line " });
        // The top of the list is in view: pages load while it stays there; keep scrolling up until the first.
        const deadline = Date.now() + WAIT;
        while (await page.locator("li[data-id] .body", { hasText: /old line 0$/ }).count() === 0) {
          if (Date.now() > deadline) throw new Error(`only ${await lines.count()} old lines shown`);
          await page.evaluate(() => {
            for (const el of document.querySelectorAll(".messages, [data-scroller]")) el.scrollTop = -1e9;
            document.querySelector("li[data-id]")?.scrollIntoView();
          });
          await page.waitForTimeout(200);
        }
        const shown = (await lines.allTextContents()).map((text) => Number(text.replace(/.*old line /, "")));
        assertEquals(shown, Array.from({ length: OLD }, (_, i) => i));
      });
    } finally {
      await irc.close();
    }
  },
});
