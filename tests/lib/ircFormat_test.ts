import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import {
  ircColourCss,
  ircLower,
  IrcText,
  mentionsNick,
  parseIrcFormatting,
  safeHttpUrl,
  sameIrcName,
  stripIrcFormatting,
  styleClasses,
  tokenizeIrcText,
} from "../../lib/ircFormat.ts";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";

const render = (text: string, nick?: string) => renderToString(h(IrcText, { text, nick }));

Deno.test("bold, italic, underline and reset codes toggle styles", () => {
  const spans = parseIrcFormatting("a\x02b\x1dc\x1fd\x0fe\x02f\x02g");
  assertEquals(spans.map((s) => [s.text, styleClasses(s.style)]), [
    ["a", ""],
    ["b", "irc-b"],
    ["c", "irc-b irc-i"],
    ["d", "irc-b irc-i irc-u"],
    ["e", ""],
    ["f", "irc-b"],
    ["g", ""],
  ]);
});

Deno.test("colour codes: foreground, background, a bare code resets colours", () => {
  const spans = parseIrcFormatting("\x034red\x034, still red\x0312,01blue on black\x03plain\x0399x");
  assertEquals(spans.map((s) => [s.text, s.style.fg, s.style.bg]), [
    // A comma not followed by a digit is text (and the same style merges).
    ["red, still red", 4, null],
    ["blue on black", 12, 1],
    ["plainx", null, null], // 99 is the default colour
  ]);
});

Deno.test("a colour code takes at most two digits; the third is text", () => {
  const spans = parseIrcFormatting("\x03123");
  assertEquals(spans.map((s) => [s.text, s.style.fg]), [["3", 12]]);
});

Deno.test("hex colours become the nearest palette colour (no inline styles)", () => {
  const [span] = parseIrcFormatting("\x04FF0001,000000x");
  assertEquals([span.text, span.style.fg, span.style.bg], ["x", 4, 1]);
});

Deno.test("reverse swaps colours, or the theme's colours without any", () => {
  assertEquals(styleClasses(parseIrcFormatting("\x16x")[0].style), "irc-reverse");
  assertEquals(styleClasses(parseIrcFormatting("\x034,2\x16x")[0].style), "irc-fg-2 irc-bg-4");
});

Deno.test("other control characters are dropped, tabs are kept", () => {
  assertEquals(stripIrcFormatting("\x01ACTION\x07 x\ty\x1e\x11z"), "ACTION x\tyz");
});

Deno.test("text is escaped: markup in IRC text stays text", () => {
  const html = render(`<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"`);
  assert(!html.includes("<script>"), html);
  assert(!html.includes("<img"), html);
  assertMatch(html, /&lt;script>alert\(&quot;x&quot;\)&lt;\/script>&lt;img src=x onerror=alert\(1\)> &amp;/);
});

Deno.test("http and https links are clickable, with rel noopener noreferrer nofollow", () => {
  const html = render("see https://example.com/a?b=1&c=2. and http://x.org/(y) ok");
  assertMatch(
    html,
    /<a href="https:\/\/example\.com\/a\?b=1&amp;c=2" rel="noopener noreferrer nofollow" target="_blank" class="irc-link" dir="ltr">https:\/\/example\.com\/a\?b=1&amp;c=2<\/a>\. and/,
  );
  assertMatch(html, /<a href="http:\/\/x\.org\/\(y\)"[^>]*>http:\/\/x\.org\/\(y\)<\/a> ok/);
});

Deno.test("only http(s) becomes a link: javascript:, data: and others stay text", () => {
  for (
    const text of ["javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://x.org", "file:///etc/passwd"]
  ) {
    assert(!render(text).includes("<a "), text);
  }
  assertEquals(safeHttpUrl("javascript:alert(1)"), undefined);
  assertEquals(safeHttpUrl("https://"), undefined);
  assertEquals(safeHttpUrl("https://a.b/c"), "https://a.b/c");
});

Deno.test("a link's quotes cannot break out of the attribute", () => {
  const html = render(`https://example.com/"onmouseover="alert(1)`);
  assertMatch(html, /<a href="https:\/\/example\.com\/" /);
  assert(!html.includes(`"onmouseover`), html);
});

Deno.test("a link keeps its styles across formatting codes", () => {
  const tokens = tokenizeIrcText("go \x02https://ex.am\x02ple.org/x\x02 now");
  assertEquals(tokens.map((t) => t.kind), ["text", "link", "text"]);
  const link = tokens[1];
  assert(link.kind === "link");
  assertEquals(link.href, "https://ex.ample.org/x");
  assertEquals(link.spans.map((s) => [s.text, s.style.bold]), [["https://ex.am", true], [
    "ple.org/x",
    false,
  ]]);
});

Deno.test("own nick mentions are highlighted as whole words, case-insensitively", () => {
  assertMatch(render("hey Alice: look", "alice"), /hey <mark class="mention">Alice<\/mark>: look/);
  assert(!render("malice and alice_ and alices", "alice").includes("<mark"));
  assert(mentionsNick("ping ALICE!", "alice"));
  assert(!mentionsNick("ping alicea", "alice"));
  assert(!mentionsNick("anything", null));
  // rfc1459 case mapping: [ ] \ ~ are upper case of { } | ^
  assert(mentionsNick("hi {bob}", "[BOB]"));
});

Deno.test("a nick inside a link is part of the link, not a mention", () => {
  const tokens = tokenizeIrcText("https://alice.example/ alice", "alice");
  assertEquals(tokens.map((t) => t.kind), ["link", "text", "mention"]);
});

Deno.test("ircLower and sameIrcName fold the rfc1459 way and keep the length", () => {
  assertEquals(ircLower("Nick[]\\~É"), "nick{}|^É");
  assert(sameIrcName("#Ruby", "#ruby"));
  assert(!sameIrcName("#ruby", null));
});

Deno.test("the colour CSS has a rule for each of the 99 colours", () => {
  const css = ircColourCss();
  assertMatch(css, /\.irc-fg-0\{color:#ffffff\}/);
  assertMatch(css, /\.irc-bg-98\{background-color:#ffffff\}/);
  assertEquals(css.match(/\.irc-fg-\d+\{/g)?.length, 99);
});

Deno.test("a link shows the host its href goes to, as the browser reads it", () => {
  const link = (text: string) => {
    const token = tokenizeIrcText(text).find((t) => t.kind === "link");
    assert(token?.kind === "link", text);
    return { href: token.href, text: token.spans.map((s) => s.text).join("") };
  };
  // A Cyrillic "а" in "apple": the browser goes to the punycode host.
  assertEquals(link("see https://\u0430pple.com/login"), {
    href: "https://xn--pple-43d.com/login",
    text: "https://xn--pple-43d.com/login",
  });
  // Full-width letters are another way to write the same host.
  assertEquals(link("https://\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25.com/").text, "https://example.com/");
  // User info before the host is not where it goes.
  assertEquals(link("https://paypal.com@evil.example/x"), {
    href: "https://paypal.com@evil.example/x",
    text: "https://evil.example/x",
  });
  // A right-to-left override makes "exe.pdf" of "fdp.exe"; it is dropped, as are zero widths.
  assertEquals(link("https://example.com/\u202efdp.exe").text, "https://example.com/fdp.exe");
  assertEquals(link("https://example.com/a\u200bb\u2066c").text, "https://example.com/abc");
  // A host written as the browser reads it is shown as written, styles and all.
  assertEquals(link("https://Example.COM/a").text, "https://Example.COM/a");
  const styled = tokenizeIrcText("\x02https://\u0430pple\x02.com/x").find((t) => t.kind === "link");
  assert(styled?.kind === "link");
  assertEquals(styled.spans.map((s) => [s.text, s.style.bold]), [
    ["https://", true],
    ["xn--pple-43d.com", true],
    ["/x", false],
  ]);
});

Deno.test("a link is isolated from bidi controls around it", () => {
  assertMatch(render("\u202e see https://example.com/ ok"), /<a [^>]*class="irc-link" dir="ltr">/);
});
