/**
 * The commands users type, in a real browser (Debian's Chromium through
 * playwright-core) against the app as `deno task start` runs it and the
 * fake IRC server: `/whois` answered as readable lines in the window,
 * `/ignore` hiding a nick's lines (history and live) until `/unignore`,
 * `/help`, Tab completing a nick, and `/list` opening the channel browser,
 * searched, sorted and joined by click. Screenshots go to `tmp/screenshots/`.
 */
import { assert, assertEquals, assertMatch, waitFor } from "../support/assert.ts";
import { joinChannel, logIn, startBrowserApp } from "../support/browserApp.ts";
import { startFakeIrcServer } from "../support/fakeIrcServer.ts";

const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const WAIT = 30_000;
const INPUT = "#composer-input";

Deno.test({
  name: "browser: /whois answered in the window, /ignore hides a nick, /help, Tab, /list browsed and joined",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const irc = startFakeIrcServer();
    const { server, app, browser, close } = await startBrowserApp({
      ircPort: irc.port,
      socketPrefix: "commands-sockets-",
      serverName: "fakenet",
    });
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 780 } })).newPage();
    const problems: string[] = [];
    const say = async (text: string) => {
      await page.fill(INPUT, text);
      await page.press(INPUT, "Enter");
    };
    const lineWith = (text: string) => page.locator("ol.messages li.msg:not(.pending)", { hasText: text });
    try {
      page.setDefaultTimeout(WAIT);
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(`console: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));

      await logIn(page, app.url);
      await page.goto(`${app.url}/servers/${server.id}`);
      await page.click("button:has-text('Connect')");
      await irc.waitForClient(WAIT);
      await joinChannel(page, "#ruby");
      await irc.waitForLine("JOIN #ruby");
      await page.locator(".window-header h1", { hasText: "#ruby" }).waitFor();

      // Two speakers; one of them is then ignored, in history and live.
      irc.broadcast(":bob!b@bob.example PRIVMSG #ruby :hello from bob");
      irc.broadcast(":spammer!s@spam.example PRIVMSG #ruby :buy cheap stuff");
      await lineWith("buy cheap stuff").waitFor();
      await lineWith("hello from bob").waitFor();
      await say("/ignore spammer");
      await page.locator(".composer-info", { hasText: "Ignoring spammer" }).waitFor();
      await lineWith("buy cheap stuff").waitFor({ state: "detached" });
      irc.broadcast(":spammer!s@spam.example PRIVMSG #ruby :more spam live");
      irc.broadcast(":bob!b@bob.example PRIVMSG #ruby :bob again");
      await lineWith("bob again").waitFor();
      assertEquals(await lineWith("spam").count(), 0, "the ignored nick's lines are hidden");
      // Kept in the database: still hidden after a reload.
      await page.reload();
      await lineWith("bob again").waitFor();
      await page.waitForTimeout(300); // the list's first read
      assertEquals(await lineWith("spam").count(), 0, "still hidden after a reload");
      await page.screenshot({ path: `${root}/tmp/screenshots/commands-01-ignored.png` });
      await say("/unignore spammer");
      await lineWith("more spam live").waitFor();
      await lineWith("buy cheap stuff").waitFor();

      // Tab completes the nick of a recent speaker.
      await page.fill(INPUT, "bo");
      await page.press(INPUT, "Tab");
      assertEquals(await page.inputValue(INPUT), "bob: ");
      await page.fill(INPUT, "/who");
      await page.press(INPUT, "Tab");
      assertEquals(await page.inputValue(INPUT), "/whois ");

      // /whois: the answer in this window, one fact a line.
      await say("/whois bob");
      await irc.waitForLine("WHOIS bob");
      for (
        const reply of [
          ":fake.irc 311 alice bob ~b bob.example * :Bob Builder",
          ":fake.irc 319 alice bob :@#ruby #rust",
          ":fake.irc 312 alice bob fake.irc :The fake server",
          ":fake.irc 317 alice bob 75 1700000000 :seconds idle, signon time",
          ":fake.irc 318 alice bob :End of /WHOIS list.",
        ]
      ) irc.broadcast(reply);
      const whois = lineWith("bob is ~b@bob.example (Bob Builder)");
      await whois.waitFor();
      const shown = await whois.locator(".body").innerText();
      assertEquals(shown.split("\n").map((l) => l.trim()), [
        "bob is ~b@bob.example (Bob Builder)",
        "on @#ruby #rust",
        "via fake.irc (The fake server)",
        "idle 1m 15s, signed on 2023-11-14 22:13 UTC",
      ]);
      await page.screenshot({ path: `${root}/tmp/screenshots/commands-02-whois.png` });

      // /help: every command, under the input.
      await say("/help");
      const help = page.locator(".composer-info");
      await help.locator("li", { hasText: "/whois nick" }).waitFor();
      assert((await help.locator("li").count()) >= 20);
      await page.press(INPUT, "Escape");
      await help.waitFor({ state: "detached" });

      // /list: the channel browser, fed while it is open.
      await Promise.all([page.waitForURL(new RegExp(`/servers/${server.id}/channels$`)), say("/list")]);
      await irc.waitForLine("LIST");
      irc.broadcast(":fake.irc 321 alice Channel :Users Name");
      for (let i = 0; i < 120; i++) irc.broadcast(`:fake.irc 322 alice #c${i} ${i} :topic number ${i}`);
      irc.broadcast(":fake.irc 323 alice :End of /LIST");
      const status = page.locator(".channel-list-status");
      await waitFor(async () => /^120 channels/.test(await status.innerText()), WAIT, "the whole list");
      const rows = page.locator(".channel-table tbody tr");
      await waitFor(
        async () => (await rows.first().locator("th").innerText()) === "#c119",
        WAIT,
        "sorted by users",
      );
      assertEquals(await rows.count(), 50, "one page at a time");
      await page.fill(".channel-list-search input[type=search]", "number 4");
      await waitFor(async () => (await rows.count()) === 11, WAIT, "searched");
      await page.selectOption(".channel-list-search select", "name");
      await waitFor(async () => (await rows.first().locator("th").innerText()) === "#c4", WAIT, "by name");
      await page.screenshot({ path: `${root}/tmp/screenshots/commands-03-channel-list.png` });
      await Promise.all([
        page.waitForURL(new RegExp(`/servers/${server.id}/chat/%23c42$`)),
        rows.filter({ hasText: "#c42" }).locator("button", { hasText: "Join" }).click(),
      ]);
      await irc.waitForLine("JOIN #c42");
      assertMatch(await page.locator(".window-header h1").innerText(), /#c42/);
      assertEquals(problems, []);
    } finally {
      await close();
      await irc.close();
    }
  },
});
