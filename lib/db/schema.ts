/**
 * The database's tables as Kysely sees them.
 *
 * @module
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

/** The states a server's connection goes through. */
export type ServerStatus = "disconnected" | "connecting" | "connected" | "reconnecting" | "error";

/** Every kind of stored message. */
export type MessageType =
  | "privmsg"
  | "notice"
  | "action"
  | "join"
  | "part"
  | "quit"
  | "nick"
  | "topic"
  | "kick"
  | "mode"
  | "error"
  | "system";

/** The `users` table. */
export interface UsersTable {
  id: Generated<number>;
  name: string;
  password_hash: string;
  created_at: CreatedAt;
}

/** The `servers` table: one IRC network of one user. */
export interface ServersTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  host: string;
  port: number;
  tls: boolean;
  nickname: string;
  username: string | null;
  realname: string | null;
  password: string | null;
  sasl_username: string | null;
  sasl_password: string | null;
  /** `PLAIN` (sasl_username and sasl_password), `EXTERNAL` (the client certificate), or no SASL. */
  sasl_mechanism: "PLAIN" | "EXTERNAL" | null;
  /** Whether a connection on which SASL cannot succeed is ended rather than used. */
  require_sasl: ColumnType<boolean, boolean | undefined, boolean>;
  /** The certificate presented on TLS (PEM), for EXTERNAL or the services' CertFP. */
  client_cert_pem: string | null;
  /** Its private key (PEM): never shown. */
  client_key_pem: string | null;
  flood_burst: ColumnType<number, number | undefined, number>;
  flood_interval_ms: ColumnType<number, number | undefined, number>;
  /** The nick in use on IRC while connected. */
  current_nickname: string | null;
  /** Whether the user wants this server connected (survives app restarts). */
  autoconnect: ColumnType<boolean, boolean | undefined, boolean>;
  socket_path: string | null;
  pid: number | null;
  status: ColumnType<ServerStatus, ServerStatus | undefined, ServerStatus>;
  last_error: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** The `channels` table: a channel of a server, unique case-insensitively. */
export interface ChannelsTable {
  id: Generated<number>;
  server_id: number;
  name: string;
  joined: ColumnType<boolean, boolean | undefined, boolean>;
  topic: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** The `messages` table: everything that happened on IRC, newest last. */
export interface MessagesTable {
  id: Generated<string>;
  server_id: number;
  /** Channel or query nick; `null` for server-wide messages. */
  target: string | null;
  sender: string | null;
  content: string;
  message_type: MessageType;
  /** Position in the server's event log (`server_event_seqs`); int8, so a string. */
  seq: ColumnType<string, number | string, never>;
  created_at: CreatedAt;
  /** The IRCv3 `msgid` the server gave it, unique per server; `null` without one. */
  msgid: ColumnType<string | null, string | null | undefined, never>;
}

/** The `server_event_seqs` table: the last event number taken per server. */
export interface ServerEventSeqsTable {
  server_id: number;
  last_seq: ColumnType<string, number | string, number | string>;
  /** Id of the last message batch written, to detect an unacknowledged commit. */
  last_batch: string | null;
}

/** Kinds of `server_events` rows (messages live in `messages`). */
export type ServerEventKind = "status" | "channel" | "members" | "read";

/** The `server_events` table: status and channel changes, numbered like messages. */
export interface ServerEventsTable {
  server_id: number;
  seq: ColumnType<string, number | string, never>;
  kind: ServerEventKind;
  /** The event's JSON data, as sent to SSE clients. */
  data: ColumnType<Record<string, unknown>, string, never>;
  created_at: CreatedAt;
}

/** One member of a channel, as stored and sent (`lib/channelMembers.ts`). */
export interface ChannelMember {
  nick: string;
  /** Channel modes of the member's prefixes, highest first (`"ov"`). */
  modes: string;
  /** The prefix symbols of those modes, highest first (`"@+"`), from the server's PREFIX. */
  prefix: string;
  /** 0 for the highest prefix of the server's PREFIX; the count of prefixes for none. */
  rank: number;
  user: string | null;
  host: string | null;
  /** The services account, when the server told (account-notify, extended-join). */
  account: string | null;
  /** The away message, or `null` when the member is here (away-notify). */
  away: string | null;
  realname: string | null;
}

/** The `channel_members` table: who is in each channel, a {@link ChannelMember} a row. */
export interface ChannelMembersTable extends ChannelMember {
  server_id: number;
  channel: string;
}

/** The `channel_lists` table: how far a server's last `LIST` got (`lib/channelList.ts`). */
export interface ChannelListsTable {
  server_id: number;
  state: "listing" | "done";
  filter: string | null;
  total: ColumnType<number, number | undefined, number>;
  truncated: ColumnType<boolean, boolean | undefined, boolean>;
  started_at: ColumnType<Date, Date | string | undefined, Date | string>;
  finished_at: Date | null;
}

/** The `channel_list_entries` table: the channels that `LIST` answered. */
export interface ChannelListEntriesTable {
  server_id: number;
  name: string;
  users: number;
  topic: string;
}

/** The `ignores` table: nicks (or patterns) whose lines a server's windows hide (`lib/ignores.ts`). */
export interface IgnoresTable {
  server_id: number;
  mask: string;
  created_at: CreatedAt;
}

/** The `bus_payloads` table: service bus messages too big for NOTIFY. */
export interface BusPayloadsTable {
  id: Generated<string>;
  data: string;
  created_at: CreatedAt;
}

/** The `sessions` table: a browser's login, until `expires_at`. */
export interface SessionsTable {
  /** SHA-256 (hex) of the cookie's value; the value itself is never stored. */
  token_hash: string;
  user_id: number;
  created_at: CreatedAt;
  expires_at: ColumnType<Date, Date | string, Date | string>;
}

/** The `api_tokens` table: bearer tokens for scripts. */
export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  /** SHA-256 (hex) of the token; the token itself is shown once and never stored. */
  token_hash: string;
  label: string | null;
  created_at: CreatedAt;
  last_used_at: Date | null;
}

/** The `login_known_addresses` table: where each name has logged in from (see the login throttle). */
export interface LoginKnownAddressesTable {
  /** The name, lower-cased. */
  name: string;
  address: string;
  last_success_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** The `login_failures` table: failed logins, counted for throttling. */
export interface LoginFailuresTable {
  id: Generated<string>;
  /** The name tried, lower-cased. */
  name: string;
  /** The client's address. */
  address: string;
  created_at: CreatedAt;
}

/** The `read_markers` table: the newest message the user has seen in a channel or query. */
export interface ReadMarkersTable {
  server_id: number;
  /** The window's name in lower case. */
  target: string;
  last_read_id: ColumnType<string, number | string, number | string>;
  updated_at: UpdatedAt;
}

/** The `user_settings` table: a user's own settings (`lib/userSettings.ts`). */
export interface UserSettingsTable {
  user_id: number;
  highlight_words: ColumnType<string[], string[] | undefined, string[]>;
  theme: ColumnType<"auto" | "light" | "dark", "auto" | "light" | "dark" | undefined>;
  time_format: ColumnType<"24h" | "24h-seconds" | "12h", "24h" | "24h-seconds" | "12h" | undefined>;
  show_joins_parts: ColumnType<boolean, boolean | undefined>;
  updated_at: UpdatedAt;
}

/** The `window_notifications` table: how a window notifies its user. */
export interface WindowNotificationsTable {
  server_id: number;
  /** The window's name in lower case. */
  target: string;
  level: "all" | "mentions" | "none";
}

/** The `window_order` table: a window's place in the navigation, and whether the user closed it. */
export interface WindowOrderTable {
  server_id: number;
  /** The window's name in lower case. */
  target: string;
  position: number | null;
  /** The newest message of the window when the user closed it (`null`: open). */
  closed_after_id: ColumnType<string | null, number | string | null | undefined, number | string | null>;
}

/** The `push_subscriptions` table: a browser's Web Push subscription, for one user. */
export interface PushSubscriptionsTable {
  id: Generated<number>;
  user_id: number;
  /** The push service's URL for that browser (unique). */
  endpoint: string;
  /** The browser's P-256 public key and auth secret (base64url), which payloads are encrypted to. */
  p256dh: string;
  auth: string;
  created_at: CreatedAt;
}

/** All tables. */
export interface Database {
  users: UsersTable;
  servers: ServersTable;
  channels: ChannelsTable;
  messages: MessagesTable;
  server_event_seqs: ServerEventSeqsTable;
  server_events: ServerEventsTable;
  bus_payloads: BusPayloadsTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  login_failures: LoginFailuresTable;
  login_known_addresses: LoginKnownAddressesTable;
  read_markers: ReadMarkersTable;
  channel_members: ChannelMembersTable;
  channel_lists: ChannelListsTable;
  channel_list_entries: ChannelListEntriesTable;
  ignores: IgnoresTable;
  user_settings: UserSettingsTable;
  window_notifications: WindowNotificationsTable;
  push_subscriptions: PushSubscriptionsTable;
  window_order: WindowOrderTable;
}

/** A row of `servers`. */
export type Server = Selectable<ServersTable>;
/** A new row of `servers`. */
export type NewServer = Insertable<ServersTable>;
/** A change to a row of `servers`. */
export type ServerUpdate = Updateable<ServersTable>;
/** A row of `channels`. */
export type Channel = Selectable<ChannelsTable>;
/** A row of `messages`. */
export type Message = Selectable<MessagesTable>;
/** A new row of `messages`. */
export type NewMessage = Insertable<MessagesTable>;
/** A row of `users`. */
export type User = Selectable<UsersTable>;
/** A row of `api_tokens`. */
export type ApiToken = Selectable<ApiTokensTable>;
