/**
 * Which addresses an IRC worker may connect to (`ALLOWED_IRC_TARGETS`): by
 * default public ones only, checked on the address actually connected to
 * (whatever a name resolved to) and on IP literals when a server is created;
 * why, and the syntax, in docs/deploy.md, "Allowed IRC targets".
 *
 * @module
 */

/** What the operator allows besides public addresses. */
export interface TargetPolicy {
  /** `*`: every address. */
  any: boolean;
  ranges: Range[];
  /** Lower-case host names allowed whatever they resolve to. */
  hosts: Set<string>;
}

interface Range {
  v6: boolean;
  bits: bigint;
  prefix: number;
}

/** The default: public addresses only. */
export const PUBLIC_ONLY: TargetPolicy = { any: false, ranges: [], hosts: new Set() };

/**
 * Reads `ALLOWED_IRC_TARGETS`; unset or empty is {@link PUBLIC_ONLY}.
 *
 * @throws Error naming the entry that is neither a CIDR nor a host name.
 */
export function parseAllowedTargets(text: string | undefined): TargetPolicy {
  const policy: TargetPolicy = { any: false, ranges: [], hosts: new Set() };
  for (const raw of (text ?? "").split(",")) {
    const entry = raw.trim().toLowerCase();
    if (entry === "") continue;
    if (entry === "*") {
      policy.any = true;
      continue;
    }
    const range = parseRange(entry);
    if (range) {
      policy.ranges.push(range);
      continue;
    }
    if (
      !/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/.test(
        entry,
      )
    ) {
      throw new Error(
        `ALLOWED_IRC_TARGETS: ${
          JSON.stringify(raw.trim())
        } is neither an address range (CIDR) nor a host name`,
      );
    }
    policy.hosts.add(entry.replace(/\.$/, ""));
  }
  return policy;
}

/**
 * What kind of non-public address `address` is ("a private address"), or
 * `undefined` for a public one (and for text that is no IP address).
 */
export function addressKind(address: string): string | undefined {
  const ip = parseIp(address);
  if (!ip) return undefined;
  const table = ip.v6 ? V6_KINDS : V4_KINDS;
  for (const [range, kind] of table) if (inRange(ip, range)) return kind;
  if (ip.v6) {
    // An IPv4 address written as IPv6 (::ffff:10.0.0.5) is that address.
    const mapped = { v6: true, bits: ip.bits, prefix: 128 };
    if (inRange(mapped, V4_MAPPED)) return addressKind(v4Text(ip.bits & 0xffffffffn));
  }
  return undefined;
}

/**
 * Why connecting to `address` for the server host `host` is not allowed,
 * as the user reads it; `undefined` when it is.
 */
export function targetRefusal(policy: TargetPolicy, host: string, address: string): string | undefined {
  if (policy.any || policy.hosts.has(host.trim().toLowerCase().replace(/\.$/, ""))) return undefined;
  const kind = addressKind(address);
  if (kind === undefined) return undefined;
  const ip = parseIp(address)!;
  if (policy.ranges.some((range) => inRange(ip, range))) return undefined;
  const shown = address === host ? address : `${host} (${address})`;
  return `Connecting to ${shown} (${kind}) is not allowed: set ALLOWED_IRC_TARGETS`;
}

/**
 * Why `host` may not be connected to, judged on every address it resolves
 * to now; `undefined` when all are allowed, or when it does not resolve (the
 * worker then fails to connect, and says so, by itself). The app asks this
 * before it starts a worker: the worker's own check ({@link guardConnection})
 * can only refuse once connected, which already tells an open port from a
 * closed one; this refuses a name that points inside the network before any
 * connection is made. The worker's check stays for a name that resolves
 * elsewhere by the time it connects.
 */
export async function resolvedTargetRefusal(
  policy: TargetPolicy,
  host: string,
  resolve: (host: string) => Promise<string[]> = resolveAll,
): Promise<string | undefined> {
  if (policy.any) return undefined;
  let addresses: string[];
  try {
    addresses = await resolve(host.replace(/^\[|\]$/g, ""));
  } catch {
    return undefined;
  }
  for (const address of addresses) {
    const refusal = targetRefusal(policy, host, address);
    if (refusal !== undefined) return refusal;
  }
  return undefined;
}

// Every address of `host` as the system resolves it (hosts file included), as a connect would.
async function resolveAll(host: string): Promise<string[]> {
  // Loaded here: the workers import this module too, and never resolve.
  const { lookup } = await import("node:dns/promises");
  const found = await lookup(host, { all: true, verbatim: true });
  return found.map((entry) => entry.address);
}

/** Whether `host` is an IP address literal (IPv4 or IPv6, brackets allowed). */
export function isIpLiteral(host: string): boolean {
  return parseIp(host) !== undefined;
}

function parseRange(entry: string): Range | undefined {
  const [addressText, prefixText, extra] = entry.split("/");
  if (extra !== undefined) return undefined;
  const ip = parseIp(addressText);
  if (!ip) return undefined;
  const max = ip.v6 ? 128 : 32;
  if (prefixText === undefined) return { ...ip, prefix: max };
  if (!/^[0-9]{1,3}$/.test(prefixText) || Number(prefixText) > max) return undefined;
  return { ...ip, prefix: Number(prefixText) };
}

function inRange(ip: { v6: boolean; bits: bigint }, range: Range): boolean {
  if (ip.v6 !== range.v6) return false;
  const width = BigInt(ip.v6 ? 128 : 32);
  const shift = width - BigInt(range.prefix);
  return (ip.bits >> shift) === (range.bits >> shift);
}

function parseIp(text: string): { v6: boolean; bits: bigint } | undefined {
  const address = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const v4 = parseV4(address);
  if (v4 !== undefined) return { v6: false, bits: v4 };
  const v6 = parseV6(address);
  return v6 === undefined ? undefined : { v6: true, bits: v6 };
}

function parseV4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let bits = 0n;
  for (const part of parts) {
    // Decimal only: 010 or 0x7f are other numbers to other parsers.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) return undefined;
    bits = (bits << 8n) | BigInt(part);
  }
  return bits;
}

function parseV6(text: string): bigint | undefined {
  if (!/^[0-9a-f:.]+$/i.test(text) || text.length > 45) return undefined;
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    tailV4 = parseV4(text.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const groups = (part: string) => part === "" ? [] : part.split(":");
  const left = groups(halves[0]);
  const right = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...left, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...right];
  let bits = 0n;
  for (const group of all) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined;
    bits = (bits << 16n) | BigInt(parseInt(group, 16));
  }
  if (tailV4 !== undefined) bits = (bits & ~0xffffffffn) | tailV4;
  return bits;
}

function v4Text(bits: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((bits >> shift) & 0xffn)).join(".");
}

function range(text: string): Range {
  const parsed = parseRange(text);
  if (!parsed) throw new Error(`bad range ${text}`);
  return parsed;
}

const V4_KINDS: [Range, string][] = [
  [range("0.0.0.0/8"), "an unspecified address"],
  [range("127.0.0.0/8"), "a loopback address"],
  [range("10.0.0.0/8"), "a private address"],
  [range("172.16.0.0/12"), "a private address"],
  [range("192.168.0.0/16"), "a private address"],
  [range("100.64.0.0/10"), "a shared (CGNAT) address"],
  [range("169.254.0.0/16"), "a link-local address"],
  [range("192.0.0.0/24"), "a reserved address"],
  [range("198.18.0.0/15"), "a reserved address"],
  [range("224.0.0.0/4"), "a multicast address"],
  [range("240.0.0.0/4"), "a reserved address"],
];

const V6_KINDS: [Range, string][] = [
  [range("::/128"), "an unspecified address"],
  [range("::1/128"), "a loopback address"],
  [range("fe80::/10"), "a link-local address"],
  [range("fc00::/7"), "a unique-local (private) address"],
  [range("ff00::/8"), "a multicast address"],
];

const V4_MAPPED = range("::ffff:0:0/96");

/** The socket of an IRC connection, as far as {@link guardConnection} needs it. */
export interface GuardedSocket {
  readonly remoteAddress?: string;
  prependOnceListener(event: "connect" | "secureConnect", listener: () => void): unknown;
  destroy(): unknown;
}

/**
 * Checks the address `socket` actually reached, before anything is sent on
 * it (its listener runs ahead of irc-framework's registration): whatever
 * the name `host` resolved to this time, a refused address is dropped and
 * `refuse` says why. `policy` is the worker's `ALLOWED_IRC_TARGETS`.
 */
export function guardConnection(
  socket: GuardedSocket | null | undefined,
  host: string,
  policy: TargetPolicy,
  refuse: (reason: string) => void,
): void {
  if (!socket || policy.any) return;
  let checked = false;
  const check = () => {
    if (checked) return;
    checked = true;
    const address = socket.remoteAddress;
    const refusal = address === undefined
      ? `Connecting to ${host} is not allowed: its address cannot be told`
      : targetRefusal(policy, host, address);
    if (refusal === undefined) return;
    socket.destroy();
    refuse(refusal);
  };
  socket.prependOnceListener("connect", check);
  socket.prependOnceListener("secureConnect", check);
}

let processPolicy: TargetPolicy | undefined;

/** This process's `ALLOWED_IRC_TARGETS`, read once. */
export function processTargetPolicy(): TargetPolicy {
  return processPolicy ??= parseAllowedTargets(Deno.env.get("ALLOWED_IRC_TARGETS"));
}
