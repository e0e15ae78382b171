/**
 * The commands users type, through the API to a worker and a fake IRC
 * server and back: lines on the wire, the WHOIS answer stored readable in
 * the window it was typed in, a LIST paged through, the ignore list kept.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { withConnectedServer } from "../support/connectedServer.ts";
import type { MessageJson } from "../../lib/messages.ts";
import type { ChannelListPage } from "../../lib/channelList.ts";
import { expectJson, withApp } from "./testApp.ts";

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await fn();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

Deno.test("user commands: typed lines reach IRC, /whois and /list are answered, ignores kept", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    await withConnectedServer(t, alice, { server: { nickname: "alice" } }, async ({ server, irc }) => {
      const api = (path: string, method = "GET", body?: unknown) =>
        t.call(`/api/servers/${server.id}${path}`, { method, as: alice, body });
      const send = (content: string, target: string | null = "#ruby") =>
        api("/messages", "POST", { target, content });

      for (
        const [typed, line] of [
          ["/topic a new topic", "TOPIC #ruby :a new topic"],
          ["/mode +m", "MODE #ruby +m"],
          ["/ban spammer", "MODE #ruby +b spammer!*@*"],
          ["/kick spammer out", "KICK #ruby spammer :out"],
          ["/invite bob", "INVITE bob #ruby"],
          ["/away lunch", "AWAY :lunch"],
          ["/back", "AWAY"],
          ["/raw WHO #ruby", "WHO #ruby"],
        ]
      ) {
        assertEquals(await expectJson(await send(typed), 200), { ok: true }, typed);
        await irc.waitForLine(line);
      }
      // No line can carry a second command.
      const smuggled = await expectJson(await send("/raw PRIVMSG #ruby :hi\r\nQUIT"), 422);
      assertMatch(String(smuggled.error), /CR, LF or NUL/);
      assertMatch(
        String((await expectJson(await send("/raw " + "x".repeat(600)), 422)).error),
        /at most 510/,
      );

      // WHOIS: asked from #ruby, answered there as one readable message.
      await expectJson(await send("/whois bob"), 200);
      await irc.waitForLine("WHOIS bob");
      for (
        const reply of [
          ":fake.irc 311 alice bob ~bob bob.example * :Bob B",
          ":fake.irc 319 alice bob :#ruby",
          ":fake.irc 312 alice bob fake.irc :Fake server",
          ":fake.irc 318 alice bob :End of /WHOIS list.",
        ]
      ) irc.broadcast(reply);
      const whois = await until("the whois answer", async () => {
        const page = await expectJson<MessageJson[]>(await api("/messages?target=%23ruby"), 200);
        return page.find((m) => m.message_type === "system");
      });
      assertEquals(whois.content, "bob is ~bob@bob.example (Bob B)\non #ruby\nvia fake.irc (Fake server)");

      // LIST: stored as it comes, paged, searched and sorted.
      await expectJson(await send("/list", null), 200);
      await irc.waitForLine("LIST");
      irc.broadcast(":fake.irc 321 alice Channel :Users Name");
      for (let i = 0; i < 300; i++) irc.broadcast(`:fake.irc 322 alice #c${i} ${i} :topic ${i}`);
      irc.broadcast(":fake.irc 323 alice :End of /LIST");
      const done = await until("the list", async () => {
        const page = await expectJson<ChannelListPage>(await api("/channel-list?limit=2"), 200);
        return page.state === "done" && page.total === 300 ? page : undefined;
      });
      assertEquals(done.entries.map((e) => [e.name, e.users]), [["#c299", 299], ["#c298", 298]]);
      const searched = await expectJson<ChannelListPage>(
        await api("/channel-list?q=topic%2012&sort=name"),
        200,
      );
      assertEquals(
        searched.entries.map((e) => e.name),
        ["#c12", "#c120", "#c121"].concat(
          Array.from({ length: 8 }, (_, i) => `#c${122 + i}`),
        ),
      );
      assertEquals(searched.matching, 11);
      assertEquals((await expectJson(await api("/channel-list?sort=size"), 422)).field, "sort");
      assertEquals((await expectJson(await api("/channel-list?limit=0"), 422)).field, "limit");

      // The ignore list, by slash command and by route.
      assertEquals(await expectJson(await send("/ignore Spam*"), 200), { ok: true, ignores: ["spam*"] });
      assertEquals(await expectJson(await api("/ignores", "POST", { mask: "troll" }), 201), {
        ignores: ["spam*", "troll"],
      });
      assertEquals(await expectJson(await api("/ignores"), 200), { ignores: ["spam*", "troll"] });
      assertEquals(await expectJson(await send("/ignore"), 200), { ok: true, ignores: ["spam*", "troll"] });
      assertEquals(await expectJson(await send("/unignore spam*"), 200), { ok: true, ignores: ["troll"] });
      assertEquals(
        (await expectJson(await api("/ignores/nobody", "DELETE"), 404)).error,
        "nobody is not ignored",
      );
      assertEquals((await expectJson(await send("/ignore a!b@c"), 422)).field, "content");
      assertEquals(await expectJson(await api("/ignores/troll", "DELETE"), 200), { ignores: [] });

      // The app's own: /help lists every command; /query nick names the window to open.
      const help = await expectJson<{ help: string[] }>(await send("/help"), 200);
      assert(help.help.some((l) => l.startsWith("/whois nick")));
      assertEquals(await expectJson(await send("/query bob"), 200), { ok: true, window: "bob" });

      // Another user sees none of it.
      const eve = await t.user("eve");
      await expectJson(await t.call(`/api/servers/${server.id}/channel-list`, { as: eve }), 404);
      await expectJson(await t.call(`/api/servers/${server.id}/ignores`, { as: eve }), 404);
    });
  });
});
