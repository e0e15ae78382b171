/**
 * The socket protocol's commands and replies: discriminated unions, and the
 * validators every boundary uses (the worker's socket, the sender, the API).
 *
 * @module
 */

/** Join a channel. */
export interface JoinCommand {
  command: "join";
  channel: string;
}
/** Leave a channel. */
export interface PartCommand {
  command: "part";
  channel: string;
  message?: string | null;
}
/** Send a message (`privmsg`), a notice, or a `/me` action. */
export interface TextCommand {
  command: "privmsg" | "notice" | "action";
  target: string;
  message: string;
}
/** Change nick. */
export interface NickCommand {
  command: "nick";
  nickname: string;
}
/** Disconnect from IRC; the worker exits. */
export interface QuitCommand {
  command: "quit";
  message?: string | null;
}

/** Any command of the socket protocol. */
export type IrcCommand = JoinCommand | PartCommand | TextCommand | NickCommand | QuitCommand;

/** The names of the commands. */
export const COMMAND_NAMES = ["join", "part", "privmsg", "notice", "nick", "quit", "action"] as const;

/** A request line: a command, optionally with an id echoed in the reply. */
export type CommandRequest = IrcCommand & { id?: string | number };

/**
 * The worker's reply to one request line. `code: "not_connected"` marks a
 * refusal because the server cannot take lines any more (its connection
 * failed for good, or it is disconnecting), as opposed to a bad command;
 * `code: "queue_full"` one because too many lines wait to be sent already
 * (flood control, or the server away): the same command may go later.
 */
export type CommandReply =
  | { ok: true; queued?: true; id?: string | number }
  | { ok: false; error: string; code?: "not_connected" | "queue_full"; id?: string | number };

/** The result of validating untrusted input. */
export type Validated<T> = { ok: true; value: T } | { ok: false; error: string };

/** Longest request line the worker reads, in bytes. */
export const MAX_REQUEST_BYTES = 16 * 1024;

/**
 * Longest channel name, in UTF-8 bytes: IRC limits lines in bytes, and with
 * this bound every valid target leaves room for text in a line (see
 * `workers/messageLines.ts`).
 */
export const MAX_CHANNEL_BYTES = 200;
/** Longest nickname; nicknames are ASCII, so this is in bytes and characters alike. */
export const MAX_NICK_BYTES = 64;
/**
 * Longest quit message that always goes out whole: the worker cuts PART and
 * QUIT reasons to what fits in their line, which for QUIT is never less than
 * this. The API's disconnect refuses longer ones rather than cut them.
 */
export const MAX_QUIT_MESSAGE_BYTES = 300;

// RFC 2812 channel prefixes; no space, comma, BEL, or line breaks inside.
// The length is checked in bytes, apart.
// deno-lint-ignore no-control-regex -- BEL and NUL are exactly what must be refused
const CHANNEL = /^[#&+!][^\s,\x07\x00]+$/;
// RFC 2812 nick characters (letters, digits, specials, hyphen), not starting
// with a digit or hyphen. Servers may allow longer nicks than 9, up to
// MAX_NICK_BYTES here.
const NICK = /^[A-Za-z\[\]\\`_^{|}][A-Za-z0-9\[\]\\`_^{|}-]{0,63}$/;
const FORBIDDEN = /[\r\n\0]/;
const encoder = new TextEncoder();

/**
 * The length of `text` in UTF-8 bytes, the unit of every IRC length limit
 * (a lone surrogate counts as the 3 bytes of the U+FFFD sent for it).
 */
export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

/** Whether `name` is a valid channel name (at most {@link MAX_CHANNEL_BYTES} bytes). */
export function isChannelName(name: string): boolean {
  return CHANNEL.test(name) && utf8Length(name) <= MAX_CHANNEL_BYTES;
}

/** Whether `name` is a valid nickname to take (RFC 2812 characters). */
export function isNickname(name: string): boolean {
  return NICK.test(name);
}

// Someone a private message may come from and go to: networks allow more
// than RFC 2812 (UTF-8 nicks on Ergo, ZNC's `*status`). Still one word, no
// channel prefix, nothing that would end or split the line, no leading `:`,
// and no `!` or `@` (they end a nick in a message's prefix).
// deno-lint-ignore no-control-regex -- BEL and NUL are exactly what must be refused
const QUERY_TARGET = /^[^\s,\x00\x07#&+!:@][^\s,\x00\x07!@]*$/u;

/** Whether `name` can be the other side of a private conversation (a query window). */
export function isQueryTarget(name: string): boolean {
  return QUERY_TARGET.test(name) && utf8Length(name) <= MAX_NICK_BYTES;
}

/**
 * Checks that `input` is a command object of the protocol and returns it
 * typed, or says in words what is wrong with it. Nothing invalid ever gets
 * past this function to an IRC server.
 */
export function validateCommand(input: unknown): Validated<CommandRequest> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return fail("command must be a JSON object");
  }
  const raw = input as Record<string, unknown>;
  const id = raw.id;
  if (id !== undefined && typeof id !== "string" && typeof id !== "number") {
    return fail("id must be a string or a number");
  }
  const withId = <T extends IrcCommand>(command: T): Validated<CommandRequest> => ({
    ok: true,
    value: id === undefined ? command : { ...command, id },
  });

  const name = raw.command;
  if (typeof name !== "string") return fail("command is missing");
  switch (name) {
    case "join": {
      const channel = channelField(raw, "channel");
      if (!channel.ok) return channel;
      return withId({ command: "join", channel: channel.value });
    }
    case "part": {
      const channel = channelField(raw, "channel");
      if (!channel.ok) return channel;
      const message = optionalText(raw, "message");
      if (!message.ok) return message;
      return withId({ command: "part", channel: channel.value, message: message.value });
    }
    case "privmsg":
    case "notice":
    case "action": {
      const target = targetField(raw, "target");
      if (!target.ok) return target;
      const message = text(raw, "message");
      if (!message.ok) return message;
      if (message.value === "") return fail("message must not be empty");
      return withId({ command: name, target: target.value, message: message.value });
    }
    case "nick": {
      const nickname = text(raw, "nickname");
      if (!nickname.ok) return nickname;
      if (!isNickname(nickname.value)) return fail(`invalid nickname: ${JSON.stringify(nickname.value)}`);
      return withId({ command: "nick", nickname: nickname.value });
    }
    case "quit": {
      const message = optionalText(raw, "message");
      if (!message.ok) return message;
      return withId({ command: "quit", message: message.value });
    }
    default:
      return fail(`unknown command: ${JSON.stringify(name).slice(0, 64)}`);
  }
}

/**
 * Checks that `input` is a reply of the protocol (what the sender reads
 * back from a worker) and returns it typed, or says what is wrong with it.
 */
export function validateReply(input: unknown): Validated<CommandReply> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return fail("reply must be a JSON object");
  }
  const raw = input as Record<string, unknown>;
  const id = raw.id;
  if (id !== undefined && typeof id !== "string" && typeof id !== "number") {
    return fail("reply id must be a string or a number");
  }
  const withId = (reply: CommandReply): Validated<CommandReply> => ({
    ok: true,
    value: id === undefined ? reply : { ...reply, id },
  });
  if (raw.ok === true) {
    if (raw.queued !== undefined && raw.queued !== true) {
      return fail("reply queued must be true when present");
    }
    return withId(raw.queued ? { ok: true, queued: true } : { ok: true });
  }
  if (raw.ok !== false) return fail("reply ok must be true or false");
  if (typeof raw.error !== "string") return fail("reply error must be a string");
  const code = raw.code;
  if (code === undefined) return withId({ ok: false, error: raw.error });
  if (code !== "not_connected" && code !== "queue_full") {
    return fail(`unknown reply code: ${JSON.stringify(code).slice(0, 64)}`);
  }
  return withId({ ok: false, error: raw.error, code });
}

function fail<T>(error: string): Validated<T> {
  return { ok: false, error };
}

function text(raw: Record<string, unknown>, field: string): Validated<string> {
  const value = raw[field];
  if (value === undefined || value === null) return fail(`${field} is missing`);
  if (typeof value !== "string") return fail(`${field} must be a string`);
  if (FORBIDDEN.test(value)) return fail(`${field} must not contain CR, LF or NUL`);
  return { ok: true, value };
}

function optionalText(raw: Record<string, unknown>, field: string): Validated<string | null> {
  if (raw[field] === undefined || raw[field] === null) return { ok: true, value: null };
  return text(raw, field);
}

function channelField(raw: Record<string, unknown>, field: string): Validated<string> {
  const value = text(raw, field);
  if (!value.ok) return value;
  const tooLong = channelTooLong(field, value.value);
  if (tooLong) return fail(tooLong);
  if (!isChannelName(value.value)) return fail(`invalid channel name: ${JSON.stringify(value.value)}`);
  return value;
}

function targetField(raw: Record<string, unknown>, field: string): Validated<string> {
  const value = text(raw, field);
  if (!value.ok) return value;
  const tooLong = channelTooLong(field, value.value);
  if (tooLong) return fail(tooLong);
  if (!isChannelName(value.value) && !isQueryTarget(value.value)) {
    return fail(`invalid target: ${JSON.stringify(value.value)}`);
  }
  return value;
}

// Said apart from "invalid", without quoting the name: a name of valid
// characters that is only too long, perhaps only in bytes (€ is 3).
function channelTooLong(field: string, name: string): string | undefined {
  if (!CHANNEL.test(name)) return undefined;
  const length = utf8Length(name);
  if (length <= MAX_CHANNEL_BYTES) return undefined;
  return `${field} is a channel name of ${length} bytes in UTF-8; at most ${MAX_CHANNEL_BYTES} are allowed`;
}
