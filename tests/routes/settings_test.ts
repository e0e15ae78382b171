import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { setChannelJoined } from "../../lib/channels.ts";
import { getNotifyLevels, getUserSettings, notifyKey } from "../../lib/userSettings.ts";
import { withApp } from "./testApp.ts";
import { postForm, sessionCookie } from "./pageSession.ts";

Deno.test("settings page: saved per user, a wrong field shown with what was typed, windows' levels of the user's own servers only", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const bob = await t.user("bob");
    const cookie = await sessionCookie(t, alice);
    const server = await t.server(alice, { nickname: "alice" });
    const bobs = await t.server(bob, { nickname: "bob" });
    await setChannelJoined(t.database.db, server.id, "#ruby", true);

    const page = await t.call("/settings", { headers: { cookie } });
    assertEquals(page.status, 200);
    const html = await page.text();
    assertMatch(html, /name="highlight_words"/);
    assertMatch(html, new RegExp(`name="notify:${server.id}/#ruby"`));
    assertMatch(html, /<option value="mentions" selected/, "a channel notifies of mentions by default");

    const refused = await postForm(t, "/settings", cookie, { highlight_words: "ruby, deno", theme: "neon" });
    assertEquals(refused.status, 422);
    const refusedHtml = await refused.text();
    assertMatch(refusedHtml, /Theme must be auto, light or dark/);
    assertMatch(refusedHtml, /ruby, deno<\/textarea>/, "the words as typed");

    const saved = await postForm(t, "/settings", cookie, {
      highlight_words: "ruby, deno",
      theme: "dark",
      time_format: "24h-seconds",
      [`notify:${server.id}/#ruby`]: "all",
      [`notify:${bobs.id}/#secret`]: "none",
      [`notify:${server.id}/#other`]: "loud",
    });
    assertEquals(saved.status, 303);
    assertEquals(saved.headers.get("location"), "/settings?saved=1");
    assertEquals(await getUserSettings(t.database.db, alice.id), {
      highlightWords: ["ruby", "deno"],
      theme: "dark",
      timeFormat: "24h-seconds",
      showJoinsParts: false,
    });
    assertEquals(await getNotifyLevels(t.database.db, [server.id, bobs.id]), {
      [notifyKey(server.id, "#ruby")]: "all",
    });
    const after = await (await t.call("/settings?saved=1", { headers: { cookie } })).text();
    assert(after.includes('data-theme="dark"'), "the page in the user's theme");
    assertMatch(after, /Settings saved/);
    const unsigned = await t.call("/settings");
    assertEquals(unsigned.status, 303, "no session: to the login");
  });
});
