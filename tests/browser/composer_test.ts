/**
 * The input's several lines in a real browser (Debian's Chromium through
 * playwright-core), the app as `deno task start` runs it, and ngircd with
 * bob hearing what goes out: Shift+Enter adds a line, the hint says how many
 * IRC lines go out, more than three lines wait for a yes; each is a PRIVMSG.
 */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { connectServer, joinChannel, logIn, startBrowserApp, USER } from "../support/browserApp.ts";
import { withIrcPeer } from "../support/ircPeer.ts";

const WAIT = 30_000;
const INPUT = "#composer-input";

Deno.test({
  name: "browser: Shift+Enter, a hint of the IRC lines, a confirmation past three lines, each line a PRIVMSG",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withIrcPeer(async ({ ngircd, bob }) => {
      const t = await startBrowserApp({ ircPort: ngircd.port, socketPrefix: "composer-sockets-" });
      try {
        const page = await (await t.browser.newContext({ viewport: { width: 1100, height: 720 } })).newPage();
        page.setDefaultTimeout(WAIT);
        await logIn(page, t.app.url);
        await connectServer(page, t.app.url, t.server.id);
        await bob.join("#ruby");
        await joinChannel(page, "#ruby");
        await bob.waitForMember("#ruby", USER.name);
        const said = (text: string) => new RegExp(`^:${USER.name}!\\S+ PRIVMSG #ruby :${text}$`);

        // Shift+Enter: a second line, not a send; Enter sends both, each a message.
        await page.click(INPUT);
        await page.keyboard.type("first");
        await page.keyboard.press("Shift+Enter");
        await page.keyboard.type("/second");
        assertEquals(await page.inputValue(INPUT), "first\n/second");
        assertMatch(await page.locator(".composer-hint").innerText(), /^2 lines, sent as 2 messages/);
        await page.keyboard.press("Enter");
        await bob.waitForLine(said("first"));
        await bob.waitForLine(said("/second"));
        assertEquals(await page.inputValue(INPUT), "");
        assertEquals(await page.locator(".composer-hint").count(), 0);

        // A long line: the hint says it is split, and it is, into that many lines.
        const long = Array.from({ length: 120 }, (_, i) => `word${i}`).join(" ");
        await page.fill(INPUT, long);
        const hint = await page.locator(".composer-hint").innerText();
        const parts = Number(/goes out as (\d+) IRC lines/.exec(hint)?.[1]);
        assertEquals(parts >= 2, true, hint);
        await page.press(INPUT, "Enter");
        const lines = await bob.waitForLines(/ PRIVMSG #ruby :word/, parts);
        assertEquals(lines.map((l) => l.line.replace(/^.* PRIVMSG #ruby :/, "")).join(" "), long);

        // Five lines pasted: a confirmation first; Cancel keeps them; then they go, in order.
        const pasted = ["one", "two", "three", "four", "five"];
        await page.fill(INPUT, pasted.join("\n"));
        await page.press(INPUT, "Enter");
        await page.locator(".composer-confirm", { hasText: "Send 5 lines to #ruby" }).waitFor();
        await page.click(".composer-confirm button:has-text('Cancel')");
        assertEquals(await page.locator(".composer-confirm").count(), 0);
        assertEquals(await page.inputValue(INPUT), pasted.join("\n"), "nothing lost");
        await page.press(INPUT, "Enter");
        await page.click(".composer-confirm button:has-text('Send 5 lines')");
        const got = await bob.waitForLines(/ PRIVMSG #ruby :(one|two|three|four|five)$/, 5);
        assertEquals(got.map((l) => l.line.replace(/^.* PRIVMSG #ruby :/, "")), pasted);
        // Each went once, after the yes only: the lines before them are the earlier sends.
        const own = bob.received.filter((l) => / PRIVMSG #ruby :/.test(l.line)).length;
        assertEquals(own, 2 + parts + 5);
      } catch (error) {
        throw new Error(`${error instanceof Error ? error.stack : error}\n--- app log ---\n${t.app.log()}`);
      } finally {
        await t.close();
      }
    }),
});
