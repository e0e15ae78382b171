/**
 * Turning a command into IRC lines: every line within IRC's 512 bytes, long
 * messages split at word boundaries where possible and never inside a
 * UTF-8 character, and PART, QUIT, KICK and AWAY reasons and topics cut to
 * what fits. Raw lines are validated to 510 bytes (`lib/ircCommand.ts`).
 *
 * @module
 */
import { type IrcCommand, MAX_NICK_BYTES, utf8Length as bytes } from "../lib/ircCommand.ts";
import { MAX_USERNAME_BYTES } from "../lib/serverSettings.ts";

/** Bytes in one IRC line, CRLF included. */
export const IRC_LINE_BYTES = 512;

/** What the worker knows of its own identity, which the server prepends to relayed lines. */
export interface Identity {
  nick: string;
  username: string;
  /** Our host as others see it, when known. */
  host?: string;
}

// Longest host we assume when the server has not told us ours.
const MAX_HOST_BYTES = 63;

/**
 * The longest relay prefix (`:nick!~user@host `) the budgets reckon with:
 * nick and username at the longest the app accepts, and the longest host.
 * Validation bounds targets in bytes, so with this prefix every valid
 * command leaves room for text. A longer identity still (a nick or host the
 * server gave us) is reckoned as this long: the server may then cut the
 * copies it relays to others, but it never gets a line over 512 bytes from
 * us, and no command fails for want of room.
 */
export const MAX_PREFIX_BYTES = 1 + MAX_NICK_BYTES + 1 + 1 + MAX_USERNAME_BYTES + 1 + MAX_HOST_BYTES + 1;

const encoder = new TextEncoder();

/**
 * JOIN lines for `channels` (valid channel names), as many to a line as fit
 * in IRC's 512 bytes (`JOIN #a,#b,#c`): a rejoin of thousands of channels
 * is a fraction of the lines, and of the time flood control gives them.
 */
export function joinLines(channels: readonly string[]): string[] {
  const lines: string[] = [];
  let line = "";
  for (const name of channels) {
    const longer = line === "" ? `JOIN ${name}` : `${line},${name}`;
    if (line !== "" && bytes(longer) + 2 > IRC_LINE_BYTES) {
      lines.push(line);
      line = `JOIN ${name}`;
    } else {
      line = longer;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}

/**
 * The IRC lines (without CRLF) that carry out `command` (not `quit`, which
 * the connection sends itself: see {@link quitLine}; nor `fetch_history`,
 * which waits for its answer: `historyBackfill.ts`).
 */
export function commandLines(
  command: Exclude<IrcCommand, { command: "quit" | "fetch_history" }>,
  me: Identity,
): string[] {
  switch (command.command) {
    case "join":
      return [`JOIN ${command.channel}`];
    case "part":
      return [reasonLine(`PART ${command.channel}`, command.message, me)];
    case "nick":
      return [`NICK ${command.nickname}`];
    case "privmsg":
    case "notice": {
      const head = `${command.command.toUpperCase()} ${command.target} :`;
      return splitText(command.message, lineBudget(head, "", me)).map((part) => head + part);
    }
    case "action": {
      const head = `PRIVMSG ${command.target} :\x01ACTION `;
      return splitText(command.message, lineBudget(head, "\x01", me)).map((part) => `${head}${part}\x01`);
    }
    case "whois":
      return [`WHOIS ${command.nickname}`];
    case "list":
      return [command.filter ? `LIST ${command.filter}` : "LIST"];
    case "topic":
      // Absent asks for the topic; empty ("TOPIC #c :") clears it.
      return [
        command.topic === undefined || command.topic === null
          ? `TOPIC ${command.channel}`
          : reasonLine(`TOPIC ${command.channel}`, command.topic, me, true),
      ];
    case "mode":
      return [
        [`MODE ${command.target}`, command.modes ?? "", ...(command.params ?? [])].filter((p) => p !== "")
          .join(" "),
      ];
    case "invite":
      return [`INVITE ${command.nickname} ${command.channel}`];
    case "away":
      return [command.message ? reasonLine("AWAY", command.message, me) : "AWAY"];
    case "kick":
      return [reasonLine(`KICK ${command.channel} ${command.nickname}`, command.message, me)];
    case "raw":
      return [command.line];
  }
}

/**
 * The QUIT line for an optional message, cut to what fits. Without `me`
 * it reckons with the longest prefix ({@link MAX_PREFIX_BYTES}), which still
 * leaves a message of `MAX_QUIT_MESSAGE_BYTES` whole.
 */
export function quitLine(message: string | null | undefined, me?: Identity): string {
  return reasonLine("QUIT", message, me);
}

// `command` with an optional trailing reason, which is cut rather than
// split: a second PART or QUIT line would mean something else.
function reasonLine(
  command: string,
  reason: string | null | undefined,
  me: Identity | undefined,
  keepEmpty = false,
): string {
  if (!reason && !(keepEmpty && reason === "")) return command;
  const head = `${command} :`;
  return head + cutText(reason, lineBudget(head, "", me));
}

/**
 * Bytes left for text in a line that starts with `head` and ends with
 * `tail`, as the server relays it to others (with our `:nick!user@host `
 * prefix in front, which must fit as well). Without `me`, or with an
 * identity longer than that, it reckons with {@link MAX_PREFIX_BYTES}.
 */
export function lineBudget(head: string, tail: string, me?: Identity): number {
  const prefix = me
    ? Math.min(
      MAX_PREFIX_BYTES,
      1 + bytes(me.nick) + 1 + 1 + bytes(me.username) + 1 +
        (me.host ? bytes(me.host) : MAX_HOST_BYTES) + 1, // ":" nick "!" "~"user "@" host " "
    )
    : MAX_PREFIX_BYTES;
  return IRC_LINE_BYTES - 2 - prefix - bytes(head) - bytes(tail);
}

/**
 * The longest start of `text` of at most `maxBytes` UTF-8 bytes that ends
 * between two characters.
 */
export function cutText(text: string, maxBytes: number): string {
  if (bytes(text) <= maxBytes) return text;
  // encodeInto writes whole characters only, and says how far it read.
  return text.slice(0, encoder.encodeInto(text, new Uint8Array(Math.max(0, maxBytes))).read);
}

/**
 * Splits `text` into parts of at most `maxBytes` UTF-8 bytes each, preferring
 * to break after a space, and never inside a character.
 */
export function splitText(text: string, maxBytes: number): string[] {
  if (maxBytes < 4) throw new Error("no room for text in an IRC line");
  const parts: string[] = [];
  let current = "";
  let currentBytes = 0;
  let lastSpace = -1; // index in `current` just after the last space
  let bytesAtSpace = 0;
  for (const char of text) {
    const size = bytes(char);
    if (currentBytes + size > maxBytes) {
      if (lastSpace > 0 && currentBytes - bytesAtSpace + size <= maxBytes) {
        parts.push(current.slice(0, lastSpace));
        current = current.slice(lastSpace);
        currentBytes -= bytesAtSpace;
      } else {
        parts.push(current);
        current = "";
        currentBytes = 0;
      }
      lastSpace = -1;
    }
    current += char;
    currentBytes += size;
    if (char === " ") {
      lastSpace = current.length;
      bytesAtSpace = currentBytes;
    }
  }
  if (current !== "" || parts.length === 0) parts.push(current);
  return parts;
}
