import { assertEquals } from "../support/assert.ts";
import { parseAllowedTargets, PUBLIC_ONLY } from "../../lib/ircTargets.ts";
import {
  checkServerSettings,
  hostRefusal,
  MAX_PASSWORD_BYTES,
  MAX_REALNAME_BYTES,
  MAX_USERNAME_BYTES,
} from "../../lib/serverSettings.ts";

const VALID = { name: "Libera", host: "irc.libera.chat", port: 6697, tls: true, nickname: "alice" };

function usernameCheck(username: unknown) {
  const result = checkServerSettings({ ...VALID, username });
  return result.ok ? { ok: true, username: result.value.username } : result;
}

Deno.test("checkServerSettings: a username with a colon is refused (USER :x would never register)", () => {
  for (const username of [":x", "a:b", ":"]) {
    assertEquals(usernameCheck(username), {
      ok: false,
      field: "username",
      error: "username must not contain spaces, @ or :",
    });
  }
});

Deno.test("checkServerSettings: a username is limited in UTF-8 bytes", () => {
  assertEquals(usernameCheck("u".repeat(MAX_USERNAME_BYTES)), { ok: true, username: "u".repeat(64) });
  assertEquals(usernameCheck("é".repeat(32)), { ok: true, username: "é".repeat(32) });
  assertEquals(usernameCheck("é".repeat(33)), {
    ok: false,
    field: "username",
    error: "username must be at most 64 bytes",
  });
  assertEquals(usernameCheck("u".repeat(65)), {
    ok: false,
    field: "username",
    error: "username must be at most 64 bytes",
  });
});

Deno.test("checkServerSettings: ordinary usernames pass; empty means none", () => {
  for (const username of ["bob", "~bob", "bob_1", "bob.x", "bøb"]) {
    assertEquals(usernameCheck(username), { ok: true, username });
  }
  assertEquals(usernameCheck(""), { ok: true, username: null });
  assertEquals(usernameCheck(null), { ok: true, username: null });
});

Deno.test("checkServerSettings: realname and password are limited in bytes, so USER and PASS fit a line", () => {
  const check = (fields: Record<string, string>) => checkServerSettings({ ...VALID, ...fields });
  assertEquals(check({ realname: "€".repeat(133) }).ok, true);
  assertEquals(check({ realname: "€".repeat(134) }), {
    ok: false,
    field: "realname",
    error: "realname must be at most 400 bytes",
  });
  assertEquals(check({ password: "x".repeat(500) }).ok, true);
  assertEquals(check({ password: "x".repeat(501) }), {
    ok: false,
    field: "password",
    error: "password must be at most 500 bytes",
  });
  assertEquals(check({ password: "€".repeat(167) }).ok, false);

  // The longest of each, as irc-framework sends them at registration.
  const username = "u".repeat(MAX_USERNAME_BYTES);
  const realname = "r".repeat(MAX_REALNAME_BYTES);
  const password = "p".repeat(MAX_PASSWORD_BYTES);
  assertEquals(check({ username, realname, password }).ok, true);
  const bytes = (line: string) => new TextEncoder().encode(line + "\r\n").length;
  assertEquals(bytes(`USER ${username} 0 * :${realname}`) <= 512, true);
  assertEquals(bytes(`PASS :${password}`) <= 512, true);
});

Deno.test("checkServerSettings: an IP literal host outside ALLOWED_IRC_TARGETS is refused; a name is left to connect time", () => {
  const lan = parseAllowedTargets("192.168.0.0/16");
  const hostCheck = (host: string, targets = PUBLIC_ONLY) => {
    const result = checkServerSettings({ ...VALID, host }, targets);
    return result.ok ? "ok" : `${result.field}: ${result.error}`;
  };
  assertEquals(
    hostCheck("127.0.0.1"),
    "host: Connecting to 127.0.0.1 (a loopback address) is not allowed: set ALLOWED_IRC_TARGETS",
  );
  for (const host of ["::1", "169.254.169.254", "10.0.0.5", "192.168.1.20", "::ffff:10.0.0.5"]) {
    assertEquals(hostCheck(host).startsWith("host: Connecting to "), true, host);
  }
  assertEquals(hostCheck("192.168.1.20", lan), "ok", "the operator allows the LAN");
  assertEquals(hostCheck("10.0.0.5", lan).startsWith("host: "), true, "and only it");
  assertEquals(hostCheck("10.0.0.5", parseAllowedTargets("*")), "ok");
  assertEquals(hostCheck("8.8.8.8"), "ok", "a public address");
  assertEquals(hostCheck("localhost"), "ok", "a name may resolve elsewhere later: checked at connect time");
  assertEquals(checkServerSettings({ ...VALID, host: "127.0.0.1" }).ok, true, "no policy given: not checked");
  assertEquals(hostRefusal(PUBLIC_ONLY, "irc.libera.chat"), undefined);
});
