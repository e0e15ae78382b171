/**
 * What a server's events look like on the bus: their shapes, the payload of
 * each bus channel (built here in JavaScript and, for a batch of stored
 * messages, in SQL from the same field list), and the validating parser
 * every receiver goes through, since a payload crosses process boundaries.
 *
 * @module
 */
import { type RawBuilder, sql } from "kysely";
import type { MessageType, ServerStatus } from "../db/schema.ts";
import type { MessageJson, StoredMessage } from "../messages.ts";
import type { Member } from "../channelMembers.ts";
import { MAX_NOTIFY_BYTES } from "./busFrame.ts";
import { channelsChannel, messagesChannel, parseServerChannel, statusChannel } from "./busChannels.ts";

/** Data of a `status` event. */
export interface StatusEventData {
  server_id: number;
  status: ServerStatus;
  error?: string;
}

/** Data of a `channel` event. */
export interface ChannelEventData {
  server_id: number;
  name: string;
  joined: boolean;
  topic: string | null;
}

/**
 * Data of a `members` event: who came, changed or went in a channel
 * (`lib/channelMembers.ts`). `reset` says the list was replaced as a whole
 * (a NAMES reply; `channel` null: every channel, the connection closed):
 * read it again from the API.
 */
export interface MembersEventData {
  server_id: number;
  channel: string | null;
  reset: boolean;
  /** Members new or changed (whole rows). */
  members: Member[];
  /** Nicks no longer in the channel. */
  removed: string[];
}

/**
 * Data of a `read` event: the user read `target` (lower case) of the server
 * up to message `last_read_id`, on one of their devices.
 */
export interface ReadEventData {
  server_id: number;
  target: string;
  last_read_id: number;
}

/**
 * Data of an `order` event: the user put the server's windows in this order
 * (lower-cased targets, first on top; the others follow), on one of their
 * devices (`lib/windowOrder.ts`).
 */
export interface OrderEventData {
  server_id: number;
  targets: string[];
}

/** One event of a server's log, as the live stream sends it. */
export type LogEvent =
  | { serverId: number; seq: number; event: "message"; data: MessageJson }
  | { serverId: number; seq: number; event: "status"; data: StatusEventData }
  | { serverId: number; seq: number; event: "channel"; data: ChannelEventData }
  | { serverId: number; seq: number; event: "members"; data: MembersEventData }
  | { serverId: number; seq: number; event: "read"; data: ReadEventData }
  | { serverId: number; seq: number; event: "order"; data: OrderEventData };

/** What the bus carries when a server's log grew. */
export interface Published {
  serverId: number;
  /** The newest number of the log. */
  seq: number;
  /** The new events, or `undefined` for a bare wake-up (read the log). */
  events: LogEvent[] | undefined;
}

/** The `server_<id>_messages` payload: the messages when they fit, else a wake-up. */
export interface MessagesPayload {
  server_id: number;
  seq: number;
  messages?: (MessageJson & { seq: number })[];
}

/** Where events are published after their commit (a {@link ServiceBus} or a test's stand-in). */
export interface Publisher {
  publish(channel: string, data: unknown): Promise<void>;
}

/**
 * Largest `server_<id>_messages` data sent inline, in UTF-8 bytes: the bus
 * adds a short header (channel name, origin) before it within
 * {@link MAX_NOTIFY_BYTES}.
 */
export const INLINE_PAYLOAD_BYTES = MAX_NOTIFY_BYTES - 200;

const SERVER_STATUSES: readonly ServerStatus[] = [
  "disconnected",
  "connecting",
  "connected",
  "reconnecting",
  "error",
];
const MESSAGE_TYPES: readonly MessageType[] = [
  "privmsg",
  "notice",
  "action",
  "join",
  "part",
  "quit",
  "nick",
  "topic",
  "kick",
  "mode",
  "error",
  "system",
];

/** Publishes a status, channel, members or message event already committed. */
export function publishServerEvent(bus: Publisher, event: LogEvent): Promise<void> {
  if (event.event === "read" || event.event === "order") {
    return bus.publish(channelsChannel(event.serverId), { kind: event.event, ...event.data, seq: event.seq });
  }
  if (event.event === "members") {
    // On the channels' bus channel, told apart by `kind`.
    return bus.publish(channelsChannel(event.serverId), { kind: "members", ...event.data, seq: event.seq });
  }
  if (event.event === "status") {
    return bus.publish(statusChannel(event.serverId), { ...event.data, seq: event.seq });
  }
  if (event.event === "channel") {
    return bus.publish(channelsChannel(event.serverId), { ...event.data, seq: event.seq });
  }
  return bus.publish(messagesChannel(event.serverId), messagesPayload(event.serverId, [event]));
}

/**
 * The `server_<id>_messages` payload of a committed batch: the messages
 * when they fit in one notification, else only the newest number.
 * {@link messagesPayloadSql} builds the same in the statement that stores
 * them; whether they fit is judged on the text PostgreSQL makes of it, which
 * is what that statement sends.
 */
export function messagesPayload(
  serverId: number,
  stored: readonly (StoredMessage | { seq: number; data: MessageJson })[],
): MessagesPayload {
  const seq = stored.reduce((max, m) => Math.max(max, m.seq), 0);
  const messages = stored.map((m) => payloadMessage("message" in m ? m.message : m.data, m.seq));
  const full = { server_id: serverId, seq, messages };
  const text = JSON.stringify(full);
  const spacing = sqlSpacingBytes(messages.length);
  if (text.length * 3 + spacing <= INLINE_PAYLOAD_BYTES) return full;
  const bytes = new TextEncoder().encode(text).length + spacing;
  return bytes <= INLINE_PAYLOAD_BYTES ? full : { server_id: serverId, seq };
}

// What PostgreSQL's JSON text of a payload of `count` messages has beyond
// JSON.stringify's: it writes `"key" : value` and `, ` for `"key":value`
// and `,` (3 bytes a field of each message, less one, and 8 for the
// envelope's three fields); strings it escapes alike.
function sqlSpacingBytes(count: number): number {
  return 7 + 3 * PAYLOAD_FIELDS.length * count;
}

// One message of a payload, with its fields in the order of PAYLOAD_FIELDS.
function payloadMessage(message: MessageJson, seq: number): MessageJson & { seq: number } {
  const { id, server_id, target, sender, content, message_type, created_at } = message;
  return { id, server_id, target, sender, content, message_type, created_at, seq };
}

// The fields of a payload's message, in order: the SQL's list, which the
// type below holds to exactly the keys of `payloadMessage`.
const PAYLOAD_FIELDS = [
  "id",
  "server_id",
  "target",
  "sender",
  "content",
  "message_type",
  "created_at",
  "seq",
] as const satisfies readonly (keyof ReturnType<typeof payloadMessage>)[];

/**
 * The SQL of {@link messagesPayload} over the rows of the CTE `m` (the
 * messages just inserted: `id, seq, target, sender, content, message_type,
 * created_at`): one row whose `payload` is the data's JSON text.
 * `withMessages` false skips building the messages' JSON, for a batch
 * known to be too big.
 */
export function messagesPayloadSql(serverId: number, withMessages: boolean): RawBuilder<unknown> {
  const column: Record<keyof ReturnType<typeof payloadMessage>, RawBuilder<unknown>> = {
    id: sql`id`,
    server_id: sql`${serverId}::int`,
    target: sql`target`,
    sender: sql`sender`,
    content: sql`content`,
    message_type: sql`message_type`,
    created_at: sql`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
    seq: sql`seq`,
  };
  const fields = sql.join(PAYLOAD_FIELDS.map((field) => sql`${sql.lit(field)}, ${column[field]}`));
  const inline = withMessages
    ? sql`select max(seq) as last,
        json_build_object('server_id', ${serverId}::int, 'seq', max(seq), 'messages',
          json_agg(json_build_object(${fields}) order by seq))::text as inline_json
      from m`
    : sql`select null::text as inline_json, max(seq) as last from m`;
  return sql`
    select case when octet_length(inline_json) <= ${INLINE_PAYLOAD_BYTES} then inline_json
                else json_build_object('server_id', ${serverId}::int, 'seq', last)::text end as payload
    from (${inline}) p`;
}

/**
 * Reads what a bus message on a server channel says; `undefined` for
 * anything else. Validated field by field: it crosses process boundaries.
 * A `messages` payload whose messages are not all well formed is taken as
 * a bare wake-up (receivers read the log).
 */
export function parsePublished(channel: string, data: unknown): Published | undefined {
  const parsed = parseServerChannel(channel);
  if (!parsed || !isRecord(data)) return undefined;
  const { serverId } = parsed;
  if (data.server_id !== serverId || !isSeq(data.seq)) return undefined;
  const seq = data.seq;
  switch (parsed.kind) {
    case "status": {
      if (!SERVER_STATUSES.includes(data.status as ServerStatus)) return undefined;
      const status: StatusEventData = { server_id: serverId, status: data.status as ServerStatus };
      if (typeof data.error === "string") status.error = data.error;
      return { serverId, seq, events: [{ serverId, seq, event: "status", data: status }] };
    }
    case "channels": {
      if (data.kind === "read") {
        const read = parseReadData(data, serverId);
        return read ? { serverId, seq, events: [{ serverId, seq, event: "read", data: read }] } : undefined;
      }
      if (data.kind === "order") {
        const order = parseOrderData(data, serverId);
        return order
          ? { serverId, seq, events: [{ serverId, seq, event: "order", data: order }] }
          : undefined;
      }
      if (data.kind === "members") {
        const members = parseMembersData(data, serverId);
        return members ? { serverId, seq, events: [{ serverId, seq, event: "members", data: members }] } : {
          serverId,
          seq,
          events: undefined,
        };
      }
      if (typeof data.name !== "string" || typeof data.joined !== "boolean") return undefined;
      const topic = typeof data.topic === "string" ? data.topic : null;
      return {
        serverId,
        seq,
        events: [{
          serverId,
          seq,
          event: "channel",
          data: { server_id: serverId, name: data.name, joined: data.joined, topic },
        }],
      };
    }
    case "messages": {
      if (!Array.isArray(data.messages)) return { serverId, seq, events: undefined };
      const events: LogEvent[] = [];
      for (const item of data.messages) {
        const message = parsePayloadMessage(item, serverId);
        if (!message) return { serverId, seq, events: undefined };
        events.push({ serverId, seq: message.seq, event: "message", data: message.data });
      }
      return { serverId, seq, events };
    }
  }
}

/**
 * The data of a `read` event from untrusted JSON (a bus payload, a log
 * row), or `undefined` when a field is not what it should be.
 */
export function parseReadData(data: Record<string, unknown>, serverId: number): ReadEventData | undefined {
  const { target, last_read_id } = data;
  if (typeof target !== "string" || target.length > 200 || !isSeq(last_read_id)) return undefined;
  return { server_id: serverId, target, last_read_id };
}

/**
 * The data of an `order` event from untrusted JSON (a bus payload), or
 * `undefined` when a field is not what it should be.
 */
export function parseOrderData(data: Record<string, unknown>, serverId: number): OrderEventData | undefined {
  const { targets } = data;
  if (!Array.isArray(targets) || targets.length > MAX_ORDER_TARGETS) return undefined;
  if (!targets.every((t) => typeof t === "string" && t.length <= 200)) return undefined;
  return { server_id: serverId, targets: targets as string[] };
}

// Most targets an `order` event names (`lib/windowOrder.ts`'s MAX_ORDERED_WINDOWS).
const MAX_ORDER_TARGETS = 2000;

/**
 * The data of a `members` event from untrusted JSON (a bus payload, a log
 * row), or `undefined` when a field is not what it should be.
 */
export function parseMembersData(
  data: Record<string, unknown>,
  serverId: number,
): MembersEventData | undefined {
  const { channel, reset, members, removed } = data;
  if (channel !== null && typeof channel !== "string") return undefined;
  if (typeof reset !== "boolean" || !Array.isArray(members) || !Array.isArray(removed)) return undefined;
  if (!removed.every((nick) => typeof nick === "string")) return undefined;
  const parsed: Member[] = [];
  for (const m of members) {
    if (!isRecord(m) || typeof m.nick !== "string" || typeof m.modes !== "string") return undefined;
    if (typeof m.prefix !== "string" || !Number.isSafeInteger(m.rank)) return undefined;
    const { user, host, account, away, realname } = m;
    if (![user, host, account, away, realname].every(isTextOrNull)) return undefined;
    parsed.push({
      nick: m.nick,
      modes: m.modes,
      prefix: m.prefix,
      rank: m.rank as number,
      user: user as string | null,
      host: host as string | null,
      account: account as string | null,
      away: away as string | null,
      realname: realname as string | null,
    });
  }
  return { server_id: serverId, channel, reset, members: parsed, removed: removed as string[] };
}

// One message of a payload, or `undefined` when a field is not what it should be.
function parsePayloadMessage(
  item: unknown,
  serverId: number,
): { seq: number; data: MessageJson } | undefined {
  if (!isRecord(item) || !isSeq(item.seq)) return undefined;
  const { id, server_id, target, sender, content, message_type, created_at } = item;
  if (
    !isSeq(id) || server_id !== serverId || !isTextOrNull(target) || !isTextOrNull(sender) ||
    typeof content !== "string" || !MESSAGE_TYPES.includes(message_type as MessageType) ||
    typeof created_at !== "string"
  ) {
    return undefined;
  }
  return {
    seq: item.seq,
    data: { id, server_id, target, sender, content, message_type: message_type as MessageType, created_at },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isTextOrNull(value: unknown): value is string | null {
  return value === null || typeof value === "string";
}

function isSeq(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0;
}
