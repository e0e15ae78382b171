/**
 * The replayable event log of each server, what is published on the bus
 * when it grows, and the cursor live-stream clients hand back.
 *
 * Every event of a server (a message, a status change, a channel change)
 * has a number from that server's own sequence (`server_event_seqs`). Its
 * writers take numbers under the row lock of that sequence, so the numbers
 * of one server commit in order: "everything of server S after N" is a
 * complete answer, unlike "everything after global id N" (ids taken from
 * one sequence commit out of order across writers). A cursor is therefore
 * a map from server to the last number seen.
 *
 * Bus channels (payloads after the commit; `seq` is the newest number):
 * - `server_<id>_messages`: `{server_id, seq, messages?}`, once per batch; the
 *   messages (each with its `seq`) are included when they fit in a
 *   notification, else it is a wake-up and receivers read the log;
 * - `server_<id>_status`: `{server_id, seq, status, error?}`;
 * - `server_<id>_channels`: `{server_id, seq, name, joined, topic}`.
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "./db/database.ts";
import type { MessageType, ServerStatus } from "./db/schema.ts";
import { type MessageJson, messageJson, type StoredMessage } from "./messages.ts";
import { MAX_NOTIFY_BYTES } from "./serviceBus.ts";

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

/** One event of a server's log, as the live stream sends it. */
export type LogEvent =
  | { serverId: number; seq: number; event: "message"; data: MessageJson }
  | { serverId: number; seq: number; event: "status"; data: StatusEventData }
  | { serverId: number; seq: number; event: "channel"; data: ChannelEventData };

/** What the bus carries when a server's log grew. */
export interface Published {
  serverId: number;
  /** The newest number of the log. */
  seq: number;
  /** The new events, or `undefined` for a bare wake-up (read the log). */
  events: LogEvent[] | undefined;
}

/** The bus channel of a server's messages. */
export function messagesChannel(serverId: number): string {
  return `server_${serverId}_messages`;
}

/** The bus channel of a server's status (`server_<id>_status`, docs/api.md). */
export function statusChannel(serverId: number): string {
  return `server_${serverId}_status`;
}

/** The bus channel of a server's channel changes (joined, topic). */
export function channelsChannel(serverId: number): string {
  return `server_${serverId}_channels`;
}

/** The prefix shared by every server's channels. */
export const SERVER_CHANNEL_PREFIX = "server_";

/**
 * Takes `count` numbers in the log of `serverId`; returns the first. Call
 * it inside the transaction that writes the events: the numbers' row stays
 * locked until that commits.
 */
export async function allocateSeqs(db: Db, serverId: number, count: number): Promise<number> {
  const { rows } = await sql<{ last_seq: string }>`
    insert into server_event_seqs as q (server_id, last_seq) values (${serverId}, ${count})
    on conflict (server_id) do update set last_seq = q.last_seq + excluded.last_seq
    returning last_seq`.execute(db);
  return Number(rows[0].last_seq) - count + 1;
}

/** Records a status or channel event in the log (inside the caller's transaction). */
export async function appendServerEvent(
  trx: Db,
  event:
    | { event: "status"; data: StatusEventData }
    | { event: "channel"; data: ChannelEventData },
): Promise<LogEvent> {
  const serverId = event.data.server_id;
  const seq = await allocateSeqs(trx, serverId, 1);
  await trx.insertInto("server_events").values({
    server_id: serverId,
    seq,
    kind: event.event,
    data: JSON.stringify(event.data),
  }).execute();
  return { serverId, seq, ...event } as LogEvent;
}

/** Publishes a status or channel event already committed. */
export function publishServerEvent(
  bus: { publish(channel: string, data: unknown): Promise<void> },
  event: LogEvent,
): Promise<void> {
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
 */
export function messagesPayload(
  serverId: number,
  stored: readonly (StoredMessage | { seq: number; data: MessageJson })[],
): { server_id: number; seq: number; messages?: (MessageJson & { seq: number })[] } {
  const seq = stored.reduce((max, m) => Math.max(max, m.seq), 0);
  const messages = stored.map((m) => ({ ...("message" in m ? m.message : m.data), seq: m.seq }));
  const full = { server_id: serverId, seq, messages };
  // The bus adds a short header; leave it room.
  if (JSON.stringify(full).length * 3 <= MAX_NOTIFY_BYTES - 200) return full;
  const json = new TextEncoder().encode(JSON.stringify(full));
  return json.length <= MAX_NOTIFY_BYTES - 200 ? full : { server_id: serverId, seq };
}

/**
 * Reads what a bus message on a server channel says; `undefined` for
 * anything else (validated: it crosses process boundaries).
 */
export function parsePublished(channel: string, data: unknown): Published | undefined {
  const match = /^server_([0-9]+)_(messages|status|channels)$/.exec(channel);
  if (!match || typeof data !== "object" || data === null) return undefined;
  const value = data as Record<string, unknown>;
  const serverId = Number(match[1]);
  if (value.server_id !== serverId || !isSeq(value.seq)) return undefined;
  const seq = value.seq;
  switch (match[2]) {
    case "status": {
      if (typeof value.status !== "string") return undefined;
      const status: StatusEventData = { server_id: serverId, status: value.status as ServerStatus };
      if (typeof value.error === "string") status.error = value.error;
      return { serverId, seq, events: [{ serverId, seq, event: "status", data: status }] };
    }
    case "channels": {
      if (typeof value.name !== "string" || typeof value.joined !== "boolean") return undefined;
      const topic = typeof value.topic === "string" ? value.topic : null;
      return {
        serverId,
        seq,
        events: [{
          serverId,
          seq,
          event: "channel",
          data: { server_id: serverId, name: value.name, joined: value.joined, topic },
        }],
      };
    }
    default: {
      if (!Array.isArray(value.messages)) return { serverId, seq, events: undefined };
      const events: LogEvent[] = [];
      for (const item of value.messages as Record<string, unknown>[]) {
        if (typeof item !== "object" || item === null || !isSeq(item.seq)) {
          return { serverId, seq, events: undefined };
        }
        const { seq: itemSeq, ...message } = item;
        events.push({
          serverId,
          seq: itemSeq as number,
          event: "message",
          data: message as unknown as MessageJson,
        });
      }
      return { serverId, seq, events };
    }
  }
}

/**
 * Events of `serverId` numbered after `afterSeq`, in order, at most
 * `limit`. Both tables are read by `(server_id, seq)` index ranges.
 */
export async function readEvents(
  db: Db,
  serverId: number,
  afterSeq: number,
  limit: number,
): Promise<LogEvent[]> {
  const { rows } = await sql<{
    seq: string;
    kind: "message" | "status" | "channel";
    id: string | null;
    target: string | null;
    sender: string | null;
    content: string | null;
    message_type: MessageType | null;
    created_at: Date;
    data: Record<string, unknown> | null;
  }>`
    select * from (
      (select seq, 'message' as kind, id, target, sender, content, message_type, created_at, null::jsonb as data
       from messages where server_id = ${serverId} and seq > ${afterSeq} order by seq limit ${limit})
      union all
      (select seq, kind, null, null, null, null, null, created_at, data
       from server_events where server_id = ${serverId} and seq > ${afterSeq} order by seq limit ${limit})
    ) e order by seq limit ${limit}`.execute(db);
  return rows.map((row): LogEvent => {
    const seq = Number(row.seq);
    if (row.kind === "message") {
      return {
        serverId,
        seq,
        event: "message",
        data: messageJson({
          id: row.id!,
          server_id: serverId,
          target: row.target,
          sender: row.sender,
          content: row.content!,
          message_type: row.message_type!,
          created_at: row.created_at,
        }),
      };
    }
    // Rebuilt field by field: jsonb orders keys its own way, and a replayed
    // event must read exactly as it did live.
    const data = row.data ?? {};
    if (row.kind === "status") {
      const status: StatusEventData = { server_id: serverId, status: data.status as ServerStatus };
      if (typeof data.error === "string") status.error = data.error;
      return { serverId, seq, event: "status", data: status };
    }
    return {
      serverId,
      seq,
      event: "channel",
      data: {
        server_id: serverId,
        name: String(data.name),
        joined: data.joined === true,
        topic: typeof data.topic === "string" ? data.topic : null,
      },
    };
  });
}

/** The newest number of each server's log (0 for a server with none yet). */
export async function eventHeads(db: Db, serverIds: readonly number[]): Promise<Map<number, number>> {
  const heads = new Map<number, number>(serverIds.map((id) => [id, 0]));
  if (serverIds.length === 0) return heads;
  const rows = await db.selectFrom("server_event_seqs").select(["server_id", "last_seq"])
    .where("server_id", "in", [...serverIds]).execute();
  for (const row of rows) heads.set(row.server_id, Number(row.last_seq));
  return heads;
}

/**
 * {@link eventHeads} of every server of `userId`, read in one statement
 * without knowing the servers first: a page takes its cursor before it
 * reads the servers it shows (`routes/pages/context.ts`).
 */
export async function userEventHeads(db: Db, userId: number): Promise<Map<number, number>> {
  const rows = await db.selectFrom("servers")
    .leftJoin("server_event_seqs", "server_event_seqs.server_id", "servers.id")
    .select(["servers.id", "server_event_seqs.last_seq"])
    .where("servers.user_id", "=", userId).execute();
  return new Map(rows.map((row) => [row.id, Number(row.last_seq ?? 0)]));
}

/** Where a live-stream client is: the last number seen of each server. */
export type Cursor = Map<number, number>;

/**
 * The opaque `id:` of the live stream. Clients only hand it back; the
 * format (`c` then `server-seq` pairs joined by `.`) may change.
 */
export function encodeCursor(cursor: Cursor): string {
  let text = "c";
  let first = true;
  for (const [serverId, seq] of [...cursor].sort((a, b) => a[0] - b[0])) {
    text += `${first ? "" : "."}${serverId}-${seq}`;
    first = false;
  }
  return text;
}

/** Reads a cursor from `Last-Event-ID`; `undefined` when it is not one. */
export function decodeCursor(text: string | undefined | null): Cursor | undefined {
  if (
    !text || text.length > 4096 || !/^c([0-9]{1,10}-[0-9]{1,15}(\.[0-9]{1,10}-[0-9]{1,15})*)?$/.test(text)
  ) {
    return undefined;
  }
  const cursor: Cursor = new Map();
  if (text.length === 1) return cursor;
  for (const pair of text.slice(1).split(".")) {
    const [serverId, seq] = pair.split("-").map(Number);
    cursor.set(serverId, seq);
  }
  return cursor;
}

function isSeq(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0;
}
