/**
 * The whole flow in a real browser (Debian's Chromium through
 * playwright-core) against the app as `deno task start` runs it, a real IRC
 * server (ngircd) and another IRC user on a raw connection: first account,
 * a server, connect, `/join #ruby`, sending, receiving live, a line typed
 * offline sent when the connection is back, and the error of a disconnected
 * server. Screenshots of the main pages go to `tmp/screenshots/`.
 */
import type { Page } from "playwright-core";
import { assert, assertEquals, assertMatch, waitFor } from "../support/assert.ts";
import { startAppProcess } from "../support/appProcess.ts";
import { launchChromium } from "../support/chromium.ts";
import { createTestDatabase } from "../support/database.ts";
import { insertMessages } from "../../lib/messages.ts";
import { startNgircd } from "../support/ngircd.ts";
import { startTcpProxy } from "../support/tcpProxy.ts";
import { connectRawIrcClient } from "../support/rawIrcClient.ts";

const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const SCREENSHOTS = `${root}/tmp/screenshots`;
const WAIT = 30_000;

async function screenshot(page: Page, name: string): Promise<void> {
  await Deno.mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: false });
}

/** The composer's input of the open window. */
const INPUT = "#composer-input";

/** Types `line` in the window's input and presses Enter. */
async function say(page: Page, line: string): Promise<void> {
  await page.fill(INPUT, line);
  await page.press(INPUT, "Enter");
}

/**
 * Run in the page before its own scripts: lets the test hold the live
 * stream's events back (`holdLive()`) and hand them on in order
 * (`releaseLive()`), to have the answer to a send arrive before the event of
 * the same message whatever the timing.
 */
const HOLDABLE_LIVE_STREAM = `{
  const Native = globalThis.EventSource;
  let held;
  globalThis.EventSource = class extends Native {
    addEventListener(type, listener, options) {
      if (typeof listener !== "function") return super.addEventListener(type, listener, options);
      const holdable = (event) => held ? held.push(() => listener.call(this, event)) : listener.call(this, event);
      return super.addEventListener(type, holdable, options);
    }
  };
  globalThis.holdLive = () => { held ??= []; };
  globalThis.releaseLive = () => {
    const list = held ?? [];
    held = undefined;
    for (const deliver of list) deliver();
  };
}`;

/** The message line of the open window holding `text`, once it shows. */
function line(page: Page, text: string) {
  return page.locator("ol.messages li.msg:not(.pending)", { hasText: text });
}

Deno.test({
  name: "browser: first account, add a server, connect, /join, send, receive live, offline queue, errors",
  // playwright-core keeps its own timers and pipes to Chromium alive between calls.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const database = await createTestDatabase();
    // Inside the project: the app reads only there (`deno task start`).
    await Deno.mkdir(`${root}/tmp`, { recursive: true });
    const socketDir = await Deno.makeTempDir({ dir: `${root}/tmp`, prefix: "ui-sockets-" });
    await Deno.chmod(socketDir, 0o700);
    const ngircd = await startNgircd();
    const app = await startAppProcess(database.url, socketDir);
    // The browser reaches the app through a proxy whose network the test can drop.
    const proxy = startTcpProxy(Number(new URL(app.url).port));
    const base = `http://127.0.0.1:${proxy.port}`;
    const browser = await launchChromium();
    const bob = await connectRawIrcClient(ngircd.port, "bob");
    const context = await browser.newContext({ viewport: { width: 1200, height: 780 } });
    await context.addInitScript(HOLDABLE_LIVE_STREAM);
    const page = await context.newPage();
    const problems: string[] = [];
    try {
      page.setDefaultTimeout(WAIT);
      // The browser's own reports of failed requests (offline, a 409) are expected here.
      page.on("console", (m) => {
        if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) {
          problems.push(`console: ${m.text()}`);
        }
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));

      // First run: the app asks for the first account.
      await page.goto(`${base}/`);
      assertMatch(page.url(), /\/setup$/);
      await screenshot(page, "01-setup");
      await page.fill("#field-name", "alice");
      await page.fill("#field-password", "correct horse battery");
      await Promise.all([page.waitForURL(`${base}/`), page.click("button[type=submit]")]);
      await page.getByText("No IRC servers yet").waitFor();
      await screenshot(page, "02-servers-empty");

      // Add a server pointing at the test ngircd.
      await page.click("text=Add your first server");
      await page.waitForURL(/\/servers\/new$/);
      await page.fill("#field-name", "Test IRC");
      await page.fill("#field-host", "127.0.0.1");
      await page.fill("#field-port", String(ngircd.port));
      await page.uncheck("#field-tls");
      await page.fill("#field-nickname", "alice");
      await screenshot(page, "03-server-form");
      await Promise.all([page.waitForURL(/\/servers\/\d+$/), page.click("button:has-text('Add server')")]);
      const serverUrl = page.url();

      // Connected at once on adding: the status badge follows the live stream.
      await page.locator(".server-toolbar [data-status=connected]").waitFor();

      // /join from the server window; the channel shows up in the navigation live.
      await bob.join("#ruby");
      await screenshot(page, "04-server-window");
      await say(page, "/join #ruby");
      // The channel's window opens once the app has taken the line.
      await page.waitForURL(/\/chat\/%23ruby$/);
      const ruby = page.locator(".server-nav a", { hasText: "#ruby" });
      await ruby.waitFor();
      await bob.waitForMember("#ruby", "alice");
      await page.goto(serverUrl);

      // A long history: the page shows the latest, scrolling up loads the rest.
      const serverId = Number(/\/servers\/(\d+)$/.exec(serverUrl)![1]);
      await insertMessages(
        database.db,
        serverId,
        Array.from({ length: 150 }, (_, i) => ({
          target: "#ruby",
          sender: "carol",
          content: `history line ${i}`,
          message_type: "privmsg" as const,
        })),
      );
      await Promise.all([page.waitForURL(/\/chat\/%23ruby$/), ruby.click()]);
      await page.locator("h1", { hasText: "#ruby" }).waitFor();
      await line(page, "history line 149").waitFor();
      assertEquals(await line(page, "history line 49").count(), 0, "only the latest are on the page");
      // Its GET marked nothing read: the window's script does, by POST, once shown.
      const newest = await database.db.selectFrom("messages").select((e) => e.fn.max("id").as("id"))
        .where("server_id", "=", serverId).where("target", "=", "#ruby").executeTakeFirstOrThrow();
      await waitFor(
        async () => {
          const marker = await database.db.selectFrom("read_markers").select("last_read_id")
            .where("server_id", "=", serverId).where("target", "=", "#ruby").executeTakeFirst();
          return Number(marker?.last_read_id) === Number(newest.id);
        },
        10_000,
        "the window to be marked read by its script",
      );
      await page.locator(".scroller").evaluate((el) => el.scrollBy(0, -1_000_000));
      await line(page, "history line 0").waitFor();
      await page.locator(".history-start").waitFor();
      assertEquals(
        await page.locator("ol.messages li.msg", { hasText: /^.*history line \d+$/ }).count(),
        150,
      );
      await page.locator(".scroller").evaluate((el) => el.scrollBy(0, 1_000_000));

      // Sending: the line reaches IRC, shows once, marked delivered; Up recalls it.
      await say(page, "Hello from the browser");
      await bob.waitForLine(/^:alice!\S+ PRIVMSG #ruby :Hello from the browser$/);
      await line(page, "Hello from the browser").locator(".delivered").waitFor();
      assertEquals(await page.inputValue(INPUT), "", "the input is cleared once the line is taken");
      await page.press(INPUT, "ArrowUp");
      assertEquals(await page.inputValue(INPUT), "Hello from the browser");
      await page.fill(INPUT, "");

      // A /msg typed in the channel is stored for bob's window, which opens
      // once the app has taken the line (as /join switches to its channel).
      const rubyUrl = page.url();
      await say(page, "/msg bob psst, privately");
      await bob.waitForLine(/^:alice!\S+ PRIVMSG bob :psst, privately$/);
      await page.waitForURL(/\/chat\/bob$/);
      await line(page, "psst, privately").waitFor();
      await page.locator(".server-nav .nav-name", { hasText: /^bob$/ }).waitFor();
      await page.goto(rubyUrl);
      await page.locator("h1", { hasText: "#ruby" }).waitFor();
      assertEquals(await line(page, "psst, privately").count(), 0, "a line for bob is not shown in #ruby");

      // Another user's message appears live, without a reload, and mentions are highlighted.
      await page.evaluate(() => Object.assign(globalThis, { samePage: true }));
      await bob.send("PRIVMSG #ruby :hi alice, this is \x02bob\x02 https://example.com/x");
      const fromBob = line(page, "this is bob");
      await fromBob.waitFor();
      assert(await page.evaluate(() => "samePage" in globalThis), "the page was not reloaded");
      assertEquals(await fromBob.locator("mark.mention").textContent(), "alice");
      assertEquals(await fromBob.locator(".irc-b").textContent(), "bob");
      assertEquals(await fromBob.locator("a").getAttribute("rel"), "noopener noreferrer nofollow");
      await screenshot(page, "05-channel");

      // The browser offline: a typed line is kept, and sent when it is back online.
      await context.setOffline(true);
      await say(page, "typed while offline");
      await page.locator("li.pending", { hasText: "waiting for the connection" }).waitFor();
      await context.setOffline(false);
      await bob.waitForLine(/PRIVMSG #ruby :typed while offline$/);
      await line(page, "typed while offline").locator(".delivered").waitFor();

      // The network between the browser and the app drops (the app and IRC
      // carry on): a line typed meanwhile is sent once it is back, and what
      // was said meanwhile is replayed by the live stream, each once.
      proxy.cut();
      await page.locator(".notice-bar.offline").waitFor();
      await say(page, "typed during the drop");
      await page.locator("li.pending", { hasText: "typed during the drop" }).waitFor();
      await bob.send("PRIVMSG #ruby :said during the drop");
      // Stored by the app while the browser cannot hear about it.
      await waitFor(
        () =>
          database.db.selectFrom("messages").select("id").where("content", "=", "said during the drop")
            .executeTakeFirst(),
        WAIT,
        "bob's message to be stored",
      );
      await screenshot(page, "06-network-drop");
      assert(
        !bob.received.some((r) => r.line.includes("typed during the drop")),
        "nothing reaches IRC while the browser is cut off",
      );
      proxy.restore();
      await bob.waitForLine(/PRIVMSG #ruby :typed during the drop$/);
      await line(page, "said during the drop").waitFor();
      await line(page, "typed during the drop").locator(".delivered").waitFor();
      await page.locator(".notice-bar.offline").waitFor({ state: "detached" });
      for (const text of ["typed while offline", "typed during the drop", "said during the drop"]) {
        assertEquals(await line(page, text).count(), 1, `"${text}" shows once`);
      }
      assertEquals(await page.locator("li.pending").count(), 0);

      // A mistyped command is pointed out at once, and stays in the input.
      await say(page, "/join");
      await page.locator(".composer-error", { hasText: "Usage: /join #channel" }).waitFor();
      assertEquals(await page.inputValue(INPUT), "/join");
      await page.fill(INPUT, "");

      // Topic and nick changes show live: the topic bar, the user's nick, the lines.
      await bob.send("TOPIC #ruby :Ruby, \x0304live\x03");
      await page.locator(".topic", { hasText: "Ruby, live" }).waitFor();
      await line(page, "changed the topic to: Ruby, live").waitFor();
      await say(page, "/nick alice2");
      await page.locator(".own-nick", { hasText: "alice2" }).waitFor();
      await line(page, "alice is now known as alice2").waitFor();

      // A disconnected server: the error shows next to the input and the text stays.
      await page.goto(serverUrl);
      await page.click("button:has-text('Disconnect')");
      await page.locator(".server-toolbar [data-status=disconnected]").waitFor();
      await Promise.all([
        page.waitForURL(/\/chat\/%23ruby$/),
        page.locator(".server-nav a", { hasText: "#ruby" }).click(),
      ]);
      await say(page, "anyone there?");
      await page.locator(".composer-error", { hasText: "Server not connected" }).waitFor();
      assertEquals(await page.inputValue(INPUT), "anyone there?", "the typed text is not lost");
      await screenshot(page, "07-not-connected");

      await page.goto(`${base}/`);
      await page.locator(".server-card [data-status=disconnected]").waitFor();
      await screenshot(page, "08-servers");
      await page.emulateMedia({ colorScheme: "dark" });
      await page.goto(`${serverUrl}/chat/%23ruby`);
      await line(page, "typed during the drop").waitFor();
      await screenshot(page, "09-dark-channel");
      await page.emulateMedia({ colorScheme: "light" });

      // The same pages on a phone-sized screen.
      await page.setViewportSize({ width: 390, height: 760 });
      await page.goto(`${serverUrl}/chat/%23ruby`);
      await line(page, "typed during the drop").waitFor();
      await screenshot(page, "10-phone-channel");
      await page.goto(`${base}/`);
      await screenshot(page, "11-phone-servers");
      await page.goto(serverUrl);
      await screenshot(page, "12-phone-server-window");

      assertEquals(problems, [], "no script errors in the page");
      await context.close();
    } catch (error) {
      await screenshot(page, "failure").catch(() => {});
      throw new Error(
        `${error instanceof Error ? error.stack : error}\n--- page ---\n${
          problems.join("\n")
        }\n--- app log ---\n${app.log()}`,
      );
    } finally {
      await bob.close().catch(() => {});
      await browser.close().catch(() => {});
      proxy.close();
      await app.stop();
      await ngircd.close();
      await database.drop();
      await Deno.remove(socketDir, { recursive: true }).catch(() => {});
    }
  },
});
