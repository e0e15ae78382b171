/**
 * WHOIS answers (311, 312, 313, 317, 318, 319, 330, 338, 671, 301 and the
 * rest irc-framework gathers into one `whois` event at RPL_ENDOFWHOIS),
 * stored as one readable `system` message, a line per fact, in the window
 * the `/whois` was typed in ({@link WhoisWindows}), else the server's.
 *
 * @module
 */
import type { WhoisEvent } from "../irc-framework.d.ts";
import { boundedText } from "../../lib/storableText.ts";
import type { EventContext } from "./context.ts";

/** Most WHOIS requests whose window is remembered at once (the oldest goes first). */
export const MAX_PENDING_WHOIS = 100;

/** Where the answer to each pending WHOIS goes: the window it was asked from. */
export class WhoisWindows {
  readonly #windows = new Map<string, string | null>();
  readonly #fold: (nick: string) => string;

  /** `fold` lower-cases a nick with the server's case mapping. */
  constructor(fold: (nick: string) => string) {
    this.#fold = fold;
  }

  /** Remembers that the answer about `nick` goes to `window` (`null`: the server's window). */
  asked(nick: string, window: string | null): void {
    const key = this.#fold(nick);
    this.#windows.delete(key);
    this.#windows.set(key, window);
    if (this.#windows.size > MAX_PENDING_WHOIS) {
      this.#windows.delete(this.#windows.keys().next().value as string);
    }
  }

  /** The window of the answer about `nick` (forgotten once told), `null` when none asked. */
  take(nick: string): string | null {
    const key = this.#fold(nick);
    const window = this.#windows.get(key) ?? null;
    this.#windows.delete(key);
    return window;
  }
}

// Most characters of one field shown (a server's text is hostile input).
const FIELD = 300;

/** The lines that tell `event`, the first naming who it is about. */
export function whoisLines(event: WhoisEvent): string[] {
  const field = (value: unknown) =>
    typeof value === "string" ? value.replace(/[\r\n\0]/g, " ").slice(0, FIELD) : "";
  const nick = field(event.nick) || "?";
  if (
    event.error === "not_found" || (!field(event.ident) && !field(event.hostname) && !field(event.server))
  ) {
    return [`${nick}: no such nick`];
  }
  const lines: string[] = [];
  const real = field(event.real_name);
  lines.push(`${nick} is ${field(event.ident)}@${field(event.hostname)}${real ? ` (${real})` : ""}`);
  const actualHost = field(event.actual_hostname);
  const actualIp = field(event.actual_ip);
  if (actualHost || actualIp) {
    const user = field(event.actual_username);
    lines.push(
      `connecting from ${user ? `${user}@` : ""}${actualHost}${
        actualIp && actualIp !== actualHost ? ` ${actualIp}` : ""
      }`,
    );
  }
  if (field(event.channels)) lines.push(`on ${field(event.channels)}`);
  if (field(event.server)) {
    lines.push(
      `via ${field(event.server)}${field(event.server_info) ? ` (${field(event.server_info)})` : ""}`,
    );
  }
  if (field(event.account)) lines.push(`logged in as ${field(event.account)}`);
  else if (field(event.registered_nick)) lines.push(field(event.registered_nick));
  if (field(event.away)) lines.push(`away: ${field(event.away)}`);
  if (field(event.operator)) lines.push(field(event.operator));
  if (field(event.bot)) lines.push(field(event.bot));
  if (event.secure === true) lines.push("using a secure connection");
  if (field(event.modes)) lines.push(field(event.modes));
  if (Array.isArray(event.special)) {
    for (const line of event.special.slice(0, 10)) if (field(line)) lines.push(field(line));
  }
  // Absent is not 0 (Number("") is).
  const idle = field(event.idle) ? Number(field(event.idle)) : NaN;
  const logon = field(event.logon) ? Number(field(event.logon)) : NaN;
  const facts = [
    Number.isSafeInteger(idle) && idle >= 0 ? `idle ${duration(idle)}` : "",
    Number.isSafeInteger(logon) && logon > 0 && logon < 1e11
      ? `signed on ${new Date(logon * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`
      : "",
  ].filter((f) => f !== "");
  if (facts.length) lines.push(facts.join(", "));
  return lines;
}

/** `seconds` as `1d 2h 3m 4s`, leaving out leading zeros. */
export function duration(seconds: number): string {
  const parts: string[] = [];
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60]] as const) {
    if (seconds >= size || parts.length) parts.push(`${Math.floor(seconds / size)}${unit}`);
    seconds %= size;
  }
  parts.push(`${seconds}s`);
  return parts.join(" ");
}

/** The handler that stores WHOIS answers where `windows` says they were asked. */
export function whoisHandler(windows: WhoisWindows): (ctx: Pick<EventContext, "client" | "store">) => void {
  return (ctx) => {
    ctx.client.on("whois", (event) => {
      if (typeof event !== "object" || event === null) return;
      const nick = typeof event.nick === "string" ? event.nick : "";
      ctx.store({
        target: nick ? windows.take(nick) : null,
        sender: null,
        content: boundedText(whoisLines(event).join("\n"), 4096),
        message_type: "system",
      });
    });
  };
}
