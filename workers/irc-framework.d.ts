/**
 * The part of `npm:irc-framework` 4.14 that the worker uses. The package
 * ships no types; this narrow declaration keeps `any` out of the worker.
 *
 * @module
 */

/** IRCv3 message tags of an incoming line. */
export type MessageTags = Record<string, string>;

/** A PRIVMSG, NOTICE or CTCP ACTION. */
export interface MessageEvent {
  type: "privmsg" | "notice" | "action";
  nick: string;
  ident: string;
  hostname: string;
  target: string;
  message: string;
  tags: MessageTags;
  /** Milliseconds since the epoch, from the `server-time` tag. */
  time?: number;
  /** True for a message from the server itself (no nick). */
  from_server?: boolean;
}

/** A PRIVMSG, NOTICE or CTCP ACTION, on its own event (`privmsg`, `notice`, `action`). */
export type ChatEvent = Omit<MessageEvent, "type">;

/** The members of a channel, at the end of its NAMES reply. */
export interface UserlistEvent {
  channel: string;
  /** `modes` are mode letters (`o`, `v`), every one with multi-prefix. */
  users: { nick: string; ident: string; hostname: string; modes: string[] }[];
}

/** The message of the day, or why there is none. */
export interface MotdEvent {
  motd?: string;
  error?: string;
}

/** Someone joined a channel. */
export interface JoinEvent {
  nick: string;
  ident: string;
  hostname: string;
  channel: string;
  /** With extended-join: the account, `false` for none. */
  account?: string | false;
  /** With extended-join: the realname. */
  gecos?: string;
  time?: number;
}

/** Someone went away or came back (away-notify, or our own RPL_NOWAWAY/UNAWAY). */
export interface AwayEvent {
  self: boolean;
  nick: string;
  message: string;
  time?: number;
}

/** Someone logged in to an account, or out (`false`) (account-notify). */
export interface AccountEvent {
  nick: string;
  account: string | false;
  time?: number;
}

/** Someone's user and host (CHGHOST) or realname (SETNAME) changed. */
export interface UserUpdatedEvent {
  nick: string;
  new_ident?: string;
  new_hostname?: string;
  new_gecos?: string;
  time?: number;
}

/** Someone left a channel. */
export interface PartEvent {
  nick: string;
  channel: string;
  message: string;
  time?: number;
}

/** Someone left IRC. */
export interface QuitEvent {
  nick: string;
  message: string;
  time?: number;
}

/** Someone was kicked from a channel. */
export interface KickEvent {
  kicked: string;
  nick: string;
  channel: string;
  message: string;
  time?: number;
}

/** Someone changed nick. */
export interface NickEvent {
  nick: string;
  new_nick: string;
  time?: number;
}

/** A channel's topic, as set now or shown on join. */
export interface TopicEvent {
  channel: string;
  topic: string;
  nick?: string;
  time?: number;
}

/** A mode change. */
export interface ModeEvent {
  target: string;
  nick: string;
  modes: { mode: string; param?: string }[];
  raw_modes: string;
  raw_params: string[];
  time?: number;
}

/** An error numeric or ERROR line from the server. */
export interface IrcErrorEvent {
  error: string;
  reason?: string;
  channel?: string;
  nick?: string;
}

/** Options of {@link Client.connect}. */
export interface ConnectOptions {
  host: string;
  port: number;
  tls?: boolean;
  nick: string;
  username?: string;
  gecos?: string;
  password?: string;
  account?: { account: string; password: string } | Record<string, never>;
  auto_reconnect?: boolean;
  ping_interval?: number;
  ping_timeout?: number;
  enable_echomessage?: boolean;
  /** `EXTERNAL` logs in with the client certificate; otherwise PLAIN with `account`. */
  sasl_mechanism?: string;
  /** Presented on TLS (PEM). */
  client_certificate?: { certificate: string; private_key: string };
  enable_chghost?: boolean;
  enable_setname?: boolean;
  message_max_length?: number;
  version?: string | null;
  /** The transport class (irc-framework's TCP/TLS one by default). */
  transport?: unknown;
}

/** What irc-framework gathered of a WHOIS; every field as the server sent it. */
export interface WhoisEvent {
  nick?: string;
  error?: string;
  ident?: string;
  hostname?: string;
  real_name?: string;
  server?: string;
  server_info?: string;
  channels?: string;
  away?: string;
  idle?: string;
  logon?: string;
  account?: string;
  operator?: string;
  secure?: boolean;
  actual_ip?: string;
  actual_hostname?: string;
  actual_username?: string;
  registered_nick?: string;
  bot?: string;
  modes?: string;
  special?: string[];
  certfp?: string;
}

/** Events the worker listens to, and their payloads. */
export interface ClientEvents {
  registered: [{ nick: string }];
  message: [MessageEvent];
  privmsg: [ChatEvent];
  notice: [ChatEvent];
  action: [ChatEvent];
  userlist: [UserlistEvent];
  motd: [MotdEvent];
  join: [JoinEvent];
  part: [PartEvent];
  quit: [QuitEvent];
  kick: [KickEvent];
  nick: [NickEvent];
  topic: [TopicEvent];
  mode: [ModeEvent];
  away: [AwayEvent];
  back: [AwayEvent];
  account: [AccountEvent];
  "user updated": [UserUpdatedEvent];
  /** RPL_CHANNELMODEIS (and RPL_CREATIONTIME, without `raw_modes`). */
  "channel info": [{ channel: string; raw_modes?: string; raw_params?: string[] }];
  /** RPL_INVITING: our invitation went out. */
  invited: [{ nick: string; channel: string }];
  /** INVITE: `nick` invited `invited` (us, or with invite-notify someone else) to `channel`. */
  invite: [{ nick: string; invited: string; channel: string; time?: number }];
  /** LIST replies, 50 entries at a time (`workers/events/list.ts`). */
  "channel list start": [];
  "channel list": [{ channel: string; num_users: number; topic: string }[]];
  "channel list end": [];
  /** A WHOIS answer, gathered up to RPL_ENDOFWHOIS (`workers/events/whois.ts`). */
  whois: [WhoisEvent];
  "nick in use": [{ nick: string; reason: string }];
  "nick invalid": [{ nick: string; reason: string }];
  "irc error": [IrcErrorEvent];
  "sasl failed": [{ reason: string; message?: string }];
  "socket connected": [];
  "socket close": [Error | undefined];
  close: [boolean];
  raw: [{ line: string; from_server: boolean }];
  /** A BATCH once it ended: irc-framework runs its lines, in order, between these two. */
  "batch start": [BatchEvent];
  "batch end": [BatchEvent];
  /** A line irc-framework has no handler for (`CHATHISTORY TARGETS` answers). */
  "unknown command": [{ command: string; params: string[] }];
  /** CAP ACK (`capabilities` names what was enabled), CAP DEL (what the server withdrew). */
  "cap ack": [CapEvent];
  "cap del": [CapEvent];
}

/** A CAP reply: the capabilities it names, each with its value (`""` for none). */
export interface CapEvent {
  command: string;
  capabilities: Record<string, string>;
}

/** A BATCH of lines (`type` as the server named it, `chathistory`, `znc.in/playback`, ...). */
export interface BatchEvent {
  id: string;
  type: string;
  params: string[];
}

/** The protocol client. */
export class Client {
  constructor(options?: Partial<ConnectOptions>);
  connect(options?: ConnectOptions): void;
  /** Writes `line` as is when given one string. */
  raw(line: string): void;
  /** Asks for these capabilities too, when the server offers them. */
  requestCap(caps: string | string[]): void;
  quit(message?: string): void;
  changeNick(nick: string): void;
  on<E extends keyof ClientEvents>(event: E, listener: (...args: ClientEvents[E]) => void): this;
  off<E extends keyof ClientEvents>(event: E, listener: (...args: ClientEvents[E]) => void): this;
  removeAllListeners(): this;
  connected: boolean;
  user: { nick: string; username: string; host: string };
  network: {
    cap: { isEnabled(cap: string): boolean; enabled: string[] };
    supports(feature: string): string | boolean;
    isChannelName(name: string): boolean;
    /** What the server's 005 said; PREFIX highest first. */
    options: { PREFIX?: { symbol: string; mode: string }[] };
  };
  /** Compares names with the server's case mapping. */
  caseCompare(a: string, b: string): boolean;
  /** Lower-cases a name with the server's case mapping. */
  caseLower(name: string): string;
  connection: {
    end(data?: string, hadError?: boolean): void;
    connected: boolean;
    /** The transport of the current connection: the worker's own (`ircTransport.ts`). */
    transport?: SlicingTransport | null;
    /** `connecting`: a new transport was made, before it connects. */
    on(event: "connecting", listener: () => void): void;
  };
}

import type { SlicingTransport } from "./ircTransport.ts";

declare const ircFramework: { Client: typeof Client };
export default ircFramework;
