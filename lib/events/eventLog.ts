/**
 * The replayable event log of each server: the numbers of its events, from
 * the server's own sequence, which commit in order (docs/architecture.md,
 * "From an IRC line to the browser"), and the reader of what came after a
 * number. A cursor (`cursor.ts`) is a map from server to the last number seen.
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "../db/database.ts";
import type { MessageType, ServerStatus } from "../db/schema.ts";
import { messageJson } from "../messages.ts";
import {
  type ChannelEventData,
  type LogEvent,
  parseMembersData,
  parseReadData,
  type ReadEventData,
  type StatusEventData,
} from "./wireFormat.ts";

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

/** Records a status, channel or read event in the log (inside the caller's transaction). */
export async function appendServerEvent(
  trx: Db,
  event:
    | { event: "status"; data: StatusEventData }
    | { event: "channel"; data: ChannelEventData }
    | { event: "read"; data: ReadEventData },
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
    kind: "message" | "status" | "channel" | "members" | "read";
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
    if (row.kind === "read") {
      const read = parseReadData(data, serverId) ?? { server_id: serverId, target: "", last_read_id: 0 };
      return { serverId, seq, event: "read", data: read };
    }
    if (row.kind === "members") {
      const members = parseMembersData(data, serverId) ??
        { server_id: serverId, channel: null, reset: true, members: [], removed: [] };
      return { serverId, seq, event: "members", data: members };
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
