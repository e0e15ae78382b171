/**
 * What the input's text becomes on IRC: one message per line typed or
 * pasted (no CR, LF or NUL inside any), and how many IRC lines each takes
 * once split at the line limit as the worker splits it (`workers/messageLines.ts`).
 *
 * @module
 */
import { type IrcCommand, MAX_NICK_BYTES, utf8Length } from "../../lib/ircCommand.ts";
import { parseSlashCommand } from "../../lib/slashCommand.ts";

/** More lines than this at once are sent only once the user confirms. */
export const CONFIRM_LINES = 3;

// The worker's budget without our identity (`lineBudget` in workers/messageLines.ts,
// checked against it in the tests): IRC's 512 bytes less CRLF and the longest
// `:nick!~user@host ` prefix (64-byte nick and user name, 63-byte host).
const USERNAME_BYTES = 64;
const HOST_BYTES = 63;
/** Bytes of the longest relay prefix the worker reckons with. */
export const PREFIX_BYTES = 1 + MAX_NICK_BYTES + 1 + 1 + USERNAME_BYTES + 1 + HOST_BYTES + 1;

/** Bytes left for text in a line that starts with `head` and ends with `tail`. */
export function textBudget(head: string, tail: string): number {
  return 512 - 2 - PREFIX_BYTES - utf8Length(head) - utf8Length(tail);
}

/** How many parts `splitText` of the worker cuts `text` into at `maxBytes` (at spaces where it can). */
export function partCount(text: string, maxBytes: number): number {
  let parts = 0;
  let currentBytes = 0;
  let currentLength = 0;
  let lastSpace = -1;
  let bytesAtSpace = 0;
  for (const char of text) {
    const size = utf8Length(char);
    if (currentBytes + size > maxBytes) {
      parts++;
      if (lastSpace > 0 && currentBytes - bytesAtSpace + size <= maxBytes) {
        currentBytes -= bytesAtSpace;
        currentLength -= lastSpace;
      } else {
        currentBytes = 0;
        currentLength = 0;
      }
      lastSpace = -1;
    }
    currentBytes += size;
    currentLength += char.length;
    if (char === " ") {
      lastSpace = currentLength;
      bytesAtSpace = currentBytes;
    }
  }
  return currentLength > 0 || parts === 0 ? parts + 1 : parts;
}

/** How many IRC lines `command` goes out as. */
export function ircLineCount(command: IrcCommand): number {
  switch (command.command) {
    case "privmsg":
    case "notice": {
      const head = `${command.command.toUpperCase()} ${command.target} :`;
      return partCount(command.message, textBudget(head, ""));
    }
    case "action":
      return partCount(command.message, textBudget(`PRIVMSG ${command.target} :\x01ACTION `, "\x01"));
    default:
      return 1;
  }
}

/** The input's text as the lines to send, each checked, or why it cannot go. */
export type Outgoing =
  | { ok: true; lines: string[]; commands: IrcCommand[]; ircLines: number }
  | { ok: false; error: string };

/**
 * `text` typed in the window of `target` as lines to send: one line is
 * what it says (a command or a message); several are messages each, a
 * leading `/` kept as text (a pasted path is no command); blank ones dropped.
 */
export function outgoingLines(text: string, target: string | null): Outgoing {
  const typed = text.split(/\r\n|\r|\n/).filter((line) => line.trim() !== "");
  if (typed.length === 0) return { ok: false, error: "content must not be empty" };
  if (typed.length > 1 && target === null) {
    return { ok: false, error: "In the server's window, type one command at a time." };
  }
  const lines = typed.length === 1 ? typed : typed.map((line) => line.startsWith("/") ? `/${line}` : line);
  const commands: IrcCommand[] = [];
  let ircLines = 0;
  for (const [index, line] of lines.entries()) {
    const parsed = parseSlashCommand(line, target);
    if (!parsed.ok) {
      return { ok: false, error: lines.length > 1 ? `Line ${index + 1}: ${parsed.error}` : parsed.error };
    }
    commands.push(parsed.command);
    ircLines += ircLineCount(parsed.command);
  }
  return { ok: true, lines, commands, ircLines };
}
