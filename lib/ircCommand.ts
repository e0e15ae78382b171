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

/** Ask who `nickname` is; the answer is stored in `window` (a channel or query; the server's window when absent). */
export interface WhoisCommand {
  command: "whois";
  nickname: string;
  window?: string | null;
}
/** Ask for the network's channels (`LIST`), optionally filtered (`>100`, `#rust*`); see `lib/channelList.ts`. */
export interface ListCommand {
  command: "list";
  filter?: string | null;
}
/** Set a channel's topic, or ask for it (`topic` absent). */
export interface TopicCommand {
  command: "topic";
  channel: string;
  topic?: string | null;
}
/** Change or ask modes of a channel or of ourselves: `MODE target [modes [params...]]`. */
export interface ModeCommand {
  command: "mode";
  target: string;
  modes?: string | null;
  params?: string[];
}
/** Invite a nick into a channel. */
export interface InviteCommand {
  command: "invite";
  nickname: string;
  channel: string;
}
/** Mark ourselves away with `message`, or back (`message` absent). */
export interface AwayCommand {
  command: "away";
  message?: string | null;
}
/** Kick a nick from a channel. */
export interface KickCommand {
  command: "kick";
  channel: string;
  nickname: string;
  message?: string | null;
}
/** Any other IRC line, sent as it is (within {@link MAX_RAW_LINE_BYTES}, no CR, LF or NUL). */
export interface RawCommand {
  command: "raw";
  line: string;
}

/**
 * Fetch older lines of `target` from the server's history (`CHATHISTORY
 * BEFORE`, where it offers `draft/chathistory`): the reply comes once they
 * are stored, below every stored line (lib/messages.ts, `insertBackfill`).
 * `before` is `msgid=<id>` or `timestamp=<ISO 8601>`; `limit` at most
 * {@link MAX_FETCH_HISTORY_LIMIT}.
 */
export interface FetchHistoryCommand {
  command: "fetch_history";
  target: string;
  before: string;
  limit: number;
}

/** Most lines one `fetch_history` asks for. */
export const MAX_FETCH_HISTORY_LIMIT = 500;

/** Any command of the socket protocol. */
export type IrcCommand =
  | JoinCommand
  | PartCommand
  | TextCommand
  | NickCommand
  | QuitCommand
  | WhoisCommand
  | ListCommand
  | TopicCommand
  | ModeCommand
  | InviteCommand
  | AwayCommand
  | KickCommand
  | RawCommand
  | FetchHistoryCommand;

/** The names of the commands. */
export const COMMAND_NAMES = [
  "join",
  "part",
  "privmsg",
  "notice",
  "nick",
  "quit",
  "action",
  "whois",
  "list",
  "topic",
  "mode",
  "invite",
  "away",
  "kick",
  "raw",
  "fetch_history",
] as const;

/** Longest raw line, in UTF-8 bytes: IRC's 512 less the CRLF. */
export const MAX_RAW_LINE_BYTES = 510;
/** Most bytes of a `mode` command's modes and parameters together (a few masks). */
export const MAX_MODE_BYTES = 300;
/** Most parameters of a `mode` command. */
export const MAX_MODE_PARAMS = 12;

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
  /** `stored`: how many lines a `fetch_history` stored. */
  | { ok: true; queued?: true; stored?: number; id?: string | number }
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
    default: {
      const more = validateMoreCommand(name, raw);
      return more
        ? (more.ok ? withId(more.value) : more)
        : fail(`unknown command: ${JSON.stringify(name).slice(0, 64)}`);
    }
  }
}

// The commands users type beyond talking and joining (issue 19), apart so
// the first switch stays the contract's; undefined for an unknown name.
function validateMoreCommand(name: string, raw: Record<string, unknown>): Validated<IrcCommand> | undefined {
  switch (name) {
    case "whois": {
      const nickname = nickTarget(raw, "nickname");
      if (!nickname.ok) return nickname;
      const window = raw.window === undefined || raw.window === null
        ? { ok: true as const, value: null }
        : targetField(raw, "window");
      if (!window.ok) return window;
      return { ok: true, value: { command: "whois", nickname: nickname.value, window: window.value } };
    }
    case "list": {
      const filter = optionalText(raw, "filter");
      if (!filter.ok) return filter;
      if (filter.value !== null && !/^\S{1,200}$/.test(filter.value)) {
        return fail("filter must be one word of at most 200 characters (like >100 or #rust*)");
      }
      return { ok: true, value: { command: "list", filter: filter.value || null } };
    }
    case "topic": {
      const channel = channelField(raw, "channel");
      if (!channel.ok) return channel;
      const topic = optionalText(raw, "topic");
      if (!topic.ok) return topic;
      return { ok: true, value: { command: "topic", channel: channel.value, topic: topic.value } };
    }
    case "mode": {
      const target = targetField(raw, "target");
      if (!target.ok) return target;
      const modes = optionalText(raw, "modes");
      if (!modes.ok) return modes;
      if (modes.value !== null && !/^[+-]?[A-Za-z+-]{1,40}$/.test(modes.value)) {
        return fail(`invalid modes: ${JSON.stringify(modes.value.slice(0, 40))} (like +o or -v+b)`);
      }
      const params = raw.params ?? [];
      if (!Array.isArray(params) || params.some((p) => typeof p !== "string")) {
        return fail("params must be an array of strings");
      }
      if (params.length > MAX_MODE_PARAMS) return fail(`at most ${MAX_MODE_PARAMS} mode parameters`);
      if (params.length > 0 && modes.value === null) return fail("params need modes");
      // Each a word: a space or a leading ":" would make one parameter several, or the rest of the line.
      const bad = (params as string[]).find((p) => !/^[^\s:\0][^\s\0]*$/.test(p));
      if (bad !== undefined) return fail(`invalid mode parameter: ${JSON.stringify(bad.slice(0, 40))}`);
      if (utf8Length([modes.value ?? "", ...params].join(" ")) > MAX_MODE_BYTES) {
        return fail(`modes and parameters must be at most ${MAX_MODE_BYTES} bytes`);
      }
      return {
        ok: true,
        value: { command: "mode", target: target.value, modes: modes.value, params: params as string[] },
      };
    }
    case "invite": {
      const nickname = nickTarget(raw, "nickname");
      if (!nickname.ok) return nickname;
      const channel = channelField(raw, "channel");
      if (!channel.ok) return channel;
      return { ok: true, value: { command: "invite", nickname: nickname.value, channel: channel.value } };
    }
    case "away": {
      const message = optionalText(raw, "message");
      if (!message.ok) return message;
      return { ok: true, value: { command: "away", message: message.value || null } };
    }
    case "kick": {
      const channel = channelField(raw, "channel");
      if (!channel.ok) return channel;
      const nickname = nickTarget(raw, "nickname");
      if (!nickname.ok) return nickname;
      const message = optionalText(raw, "message");
      if (!message.ok) return message;
      return {
        ok: true,
        value: { command: "kick", channel: channel.value, nickname: nickname.value, message: message.value },
      };
    }
    case "raw": {
      const line = text(raw, "line");
      if (!line.ok) return line;
      return rawLine(line.value);
    }
    case "fetch_history": {
      const target = targetField(raw, "target");
      if (!target.ok) return target;
      const before = text(raw, "before");
      if (!before.ok) return before;
      if (!HISTORY_REFERENCE.test(before.value) || Number.isNaN(historyTime(before.value))) {
        return fail("before must be msgid=<id> or timestamp=<ISO 8601 time>");
      }
      const limit = raw.limit;
      if (
        typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_FETCH_HISTORY_LIMIT
      ) {
        return fail(`limit must be a whole number from 1 to ${MAX_FETCH_HISTORY_LIMIT}`);
      }
      return {
        ok: true,
        value: { command: "fetch_history", target: target.value, before: before.value, limit },
      };
    }
    default:
      return undefined;
  }
}

// A CHATHISTORY reference, one parameter: a msgid (no space, comma or
// control character) or a time as the draft writes it.
const HISTORY_REFERENCE =
  // deno-lint-ignore no-control-regex -- control characters are what is refused
  /^(msgid=[^\s\x00-\x1f\x7f,]{1,200}|timestamp=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z)$/;

// The time of a `timestamp=` reference (0 for a msgid), NaN for an impossible date.
function historyTime(reference: string): number {
  return reference.startsWith("timestamp=") ? Date.parse(reference.slice(10)) : 0;
}

// A raw line: one IRC command with its parameters, within 510 bytes, and
// not QUIT (the worker must know it is leaving: the quit command).
function rawLine(line: string): Validated<IrcCommand> {
  const trimmed = line.trim();
  if (trimmed === "") return fail("line must not be empty");
  const length = utf8Length(trimmed);
  if (length > MAX_RAW_LINE_BYTES) {
    return fail(`line is ${length} bytes in UTF-8; at most ${MAX_RAW_LINE_BYTES} are allowed`);
  }
  const verb = /^([A-Za-z]+|[0-9]{3})(?: |$)/.exec(trimmed);
  if (!verb) return fail("line must start with an IRC command (like WHO #channel)");
  if (verb[1].toUpperCase() === "QUIT") {
    return fail("QUIT goes through the quit command (/quit), not a raw line");
  }
  return { ok: true, value: { command: "raw", line: trimmed } };
}

function nickTarget(raw: Record<string, unknown>, field: string): Validated<string> {
  const value = text(raw, field);
  if (!value.ok) return value;
  if (!isQueryTarget(value.value)) {
    return fail(`invalid ${field}: ${JSON.stringify(value.value.slice(0, 64))}`);
  }
  return value;
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
    if (
      raw.stored !== undefined &&
      (typeof raw.stored !== "number" || !Number.isInteger(raw.stored) || raw.stored < 0)
    ) {
      return fail("reply stored must be a count when present");
    }
    const stored = raw.stored === undefined ? {} : { stored: raw.stored };
    return withId(raw.queued ? { ok: true, queued: true, ...stored } : { ok: true, ...stored });
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
