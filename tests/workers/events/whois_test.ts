import { assertEquals } from "../../support/assert.ts";
import { duration, whoisHandler, WhoisWindows } from "../../../workers/events/whois.ts";
import { harness } from "./harness.ts";

function setup() {
  let windows: WhoisWindows | undefined;
  const t = harness([(ctx) => {
    windows = new WhoisWindows((nick) => ctx.client.caseLower(nick));
    whoisHandler(windows)(ctx);
  }]);
  return { t, windows: windows! };
}

Deno.test("whois handler: the numerics become one readable message in the window it was asked from", () => {
  const { t, windows } = setup();
  windows.asked("Bob", "#ruby");
  for (
    const line of [
      ":srv 311 tester bob ~bob host.example * :Bob Builder",
      ":srv 319 tester bob :@#ruby +#rust",
      ":srv 312 tester bob irc.example.net :Example server",
      ":srv 301 tester bob :gone fishing",
      ":srv 330 tester bob bobby :is logged in as",
      ":srv 313 tester bob :is an IRC operator",
      ":srv 671 tester bob :is using a secure connection",
      ":srv 338 tester bob ~bob@10.0.0.1 10.0.0.1 :Actual user@host, Actual IP",
      ":srv 317 tester bob 3725 1700000000 :seconds idle, signon time",
      ":srv 318 tester bob :End of /WHOIS list.",
    ]
  ) t.line(line);
  assertEquals(t.brief(), [[
    "system",
    "#ruby",
    null,
    [
      "bob is ~bob@host.example (Bob Builder)",
      "connecting from ~bob@10.0.0.1",
      "on @#ruby +#rust",
      "via irc.example.net (Example server)",
      "logged in as bobby",
      "away: gone fishing",
      "is an IRC operator",
      "using a secure connection",
      "idle 1h 2m 5s, signed on 2023-11-14 22:13 UTC",
    ].join("\n"),
  ]]);
  // Told once: a later unasked answer goes to the server window.
  t.line(":srv 311 tester bob ~bob host.example * :Bob Builder");
  t.line(":srv 318 tester bob :End of /WHOIS list.");
  assertEquals(t.stored[1].target, null);
});

Deno.test("whois handler: no such nick says so", () => {
  const { t, windows } = setup();
  windows.asked("ghost", null);
  t.line(":srv 401 tester ghost :No such nick/channel");
  t.line(":srv 318 tester ghost :End of /WHOIS list.");
  assertEquals(t.brief(), [["system", null, null, "ghost: no such nick"]]);
});

Deno.test("whois handler: hostile fields stay on their line and are bounded", () => {
  const { t } = setup();
  t.emit("whois", { nick: "x", ident: "a\r\nb", hostname: "h\0", real_name: "r".repeat(5000), idle: "-1" });
  t.emit("whois", null);
  assertEquals(t.stored.length, 1);
  const [first] = t.stored[0].content.split("\n");
  assertEquals(first, `x is a  b@h  (${"r".repeat(300)})`);
});

Deno.test("whois windows: bounded, the oldest forgotten first", () => {
  const windows = new WhoisWindows((n) => n.toLowerCase());
  for (let i = 0; i < 101; i++) windows.asked(`n${i}`, `#c${i}`);
  assertEquals(windows.take("n0"), null);
  assertEquals(windows.take("N100"), "#c100");
  assertEquals([duration(0), duration(59), duration(86_461)], ["0s", "59s", "1d 0h 1m 1s"]);
});
