import { assertEquals, assertThrows } from "../support/assert.ts";
import {
  addressKind,
  isIpLiteral,
  parseAllowedTargets,
  PUBLIC_ONLY,
  resolvedTargetRefusal,
  targetRefusal,
} from "../../lib/ircTargets.ts";

Deno.test("addressKind: every non-public range is named, public ones are not", () => {
  const cases: [string, string | undefined][] = [
    ["127.0.0.1", "a loopback address"],
    ["10.0.0.5", "a private address"],
    ["172.31.255.255", "a private address"],
    ["172.32.0.1", undefined],
    ["192.168.1.1", "a private address"],
    ["100.64.0.1", "a shared (CGNAT) address"],
    ["100.128.0.1", undefined],
    ["169.254.169.254", "a link-local address"],
    ["0.0.0.0", "an unspecified address"],
    ["224.0.0.1", "a multicast address"],
    ["8.8.8.8", undefined],
    ["::1", "a loopback address"],
    ["[::1]", "a loopback address"],
    ["::", "an unspecified address"],
    ["fe80::1", "a link-local address"],
    ["fd12:3456::1", "a unique-local (private) address"],
    ["ff02::1", "a multicast address"],
    ["::ffff:10.0.0.5", "a private address"],
    ["::ffff:7f00:1", "a loopback address"],
    ["2001:4860:4860::8888", undefined],
    ["irc.example.org", undefined],
  ];
  for (const [address, kind] of cases) assertEquals(addressKind(address), kind, address);
});

Deno.test("targetRefusal: private addresses are refused by default with a reason that says what to set", () => {
  assertEquals(
    targetRefusal(PUBLIC_ONLY, "10.0.0.5", "10.0.0.5"),
    "Connecting to 10.0.0.5 (a private address) is not allowed: set ALLOWED_IRC_TARGETS",
  );
  assertEquals(
    targetRefusal(PUBLIC_ONLY, "rebind.example", "127.0.0.1"),
    "Connecting to rebind.example (127.0.0.1) (a loopback address) is not allowed: set ALLOWED_IRC_TARGETS",
  );
  assertEquals(targetRefusal(PUBLIC_ONLY, "irc.libera.chat", "1.2.3.4"), undefined);
});

Deno.test("targetRefusal: what the operator lists is allowed, and only that", () => {
  const policy = parseAllowedTargets("127.0.0.0/8, ::1,10.1.0.0/16,irc.lan.");
  assertEquals(targetRefusal(policy, "127.0.0.1", "127.0.0.1"), undefined);
  assertEquals(targetRefusal(policy, "localhost", "::1"), undefined);
  assertEquals(targetRefusal(policy, "x", "10.1.200.3"), undefined);
  assertEquals(typeof targetRefusal(policy, "x", "10.2.0.1"), "string");
  assertEquals(targetRefusal(policy, "IRC.lan", "192.168.1.9"), undefined);
  assertEquals(typeof targetRefusal(policy, "other.lan", "192.168.1.9"), "string");
  assertEquals(targetRefusal(parseAllowedTargets("*"), "x", "169.254.169.254"), undefined);
});

Deno.test("parseAllowedTargets: a wrong entry is refused by name", () => {
  assertThrows(() => parseAllowedTargets("10.0.0.0/33"), Error, '"10.0.0.0/33"');
  assertThrows(() => parseAllowedTargets("a b"), Error, "ALLOWED_IRC_TARGETS");
  assertEquals(parseAllowedTargets(""), { any: false, ranges: [], hosts: new Set<string>() });
});

Deno.test("isIpLiteral: addresses, not names", () => {
  assertEquals(
    [isIpLiteral("10.0.0.5"), isIpLiteral("::1"), isIpLiteral("010.0.0.5"), isIpLiteral("irc.x")],
    [
      true,
      true,
      false,
      false,
    ],
  );
});

Deno.test("resolvedTargetRefusal: a name is judged on every address it resolves to; one that does not resolve is left to the connect", async () => {
  const resolver = (answers: Record<string, string[]>) => (host: string) =>
    host in answers ? Promise.resolve(answers[host]) : Promise.reject(new Error("ENOTFOUND"));
  const dns = resolver({
    "irc.example": ["93.184.216.34"],
    "inside.example": ["93.184.216.34", "10.1.2.3"],
    "::1": ["::1"],
  });
  assertEquals(await resolvedTargetRefusal(PUBLIC_ONLY, "irc.example", dns), undefined);
  assertEquals(
    await resolvedTargetRefusal(PUBLIC_ONLY, "inside.example", dns),
    "Connecting to inside.example (10.1.2.3) (a private address) is not allowed: set ALLOWED_IRC_TARGETS",
  );
  assertEquals(
    await resolvedTargetRefusal(parseAllowedTargets("10.0.0.0/8"), "inside.example", dns),
    undefined,
  );
  assertEquals(await resolvedTargetRefusal(PUBLIC_ONLY, "gone.example", dns), undefined);
  assertEquals(
    await resolvedTargetRefusal(PUBLIC_ONLY, "[::1]", dns),
    "Connecting to [::1] (::1) (a loopback address) is not allowed: set ALLOWED_IRC_TARGETS",
  );
  // The system's own resolver, hosts file included.
  const local = await resolvedTargetRefusal(PUBLIC_ONLY, "localhost");
  assertEquals(local !== undefined && /a loopback address/.test(local), true, String(local));
});
