/**
 * Turning a command into IRC lines: every line within IRC's 512 bytes, long
 * messages split at word boundaries where possible and never inside a
 * UTF-8 character.
 *
 * @module
 */
import type { IrcCommand } from "../lib/ircCommand.ts";

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
const encoder = new TextEncoder();

function bytes(text: string): number {
  return encoder.encode(text).length;
}

/**
 * The IRC lines (without CRLF) that carry out `command` (not `quit`, which
 * the connection sends itself).
 */
export function commandLines(command: Exclude<IrcCommand, { command: "quit" }>, me: Identity): string[] {
  switch (command.command) {
    case "join":
      return [`JOIN ${command.channel}`];
    case "part":
      return [command.message ? `PART ${command.channel} :${command.message}` : `PART ${command.channel}`];
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
  }
}

/** The QUIT line for an optional message. */
export function quitLine(message: string | null | undefined): string {
  return message ? `QUIT :${message}` : "QUIT";
}

/**
 * Bytes left for text in a line that starts with `head` and ends with
 * `tail`, as the server relays it to others (with our `:nick!user@host `
 * prefix in front, which must fit as well).
 */
export function lineBudget(head: string, tail: string, me: Identity): number {
  const prefix = 1 + bytes(me.nick) + 1 + 1 + bytes(me.username) + 1 +
    (me.host ? bytes(me.host) : MAX_HOST_BYTES) + 1; // ":" nick "!" "~"user "@" host " "
  return IRC_LINE_BYTES - 2 - prefix - bytes(head) - bytes(tail);
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
