/**
 * Stored messages: their JSON shape (`content` by `message_type` is in
 * docs/api.md, "Message"), the batched insert that numbers them in their
 * server's event log, history paging, and the insert of older lines fetched
 * from the server's history, outside the log.
 *
 * @module
 */
import { sql } from "kysely";
import { type Db, executePrepared } from "./db/database.ts";
import type { MessageType } from "./db/schema.ts";
import type { InlineNotification } from "./serviceBus.ts";
import { INLINE_PAYLOAD_BYTES, messagesPayloadSql } from "./events/wireFormat.ts";
import { boundedText, storableText } from "./storableText.ts";
import { BACKFILL_SEQUENCE } from "./db/migrations/0019_backfill.ts";
import { SEARCHED_TYPES_SQL } from "./db/migrations/0009_search.ts";

/** Most messages one history request returns. */
export const MAX_HISTORY_LIMIT = 500;
/** Messages a history request returns when it names no limit. */
export const DEFAULT_HISTORY_LIMIT = 100;

/** A message as the API and the live stream send it. */
export interface MessageJson {
  id: number;
  server_id: number;
  /** Channel or query nick; `null` for server-wide messages. */
  target: string | null;
  sender: string | null;
  content: string;
  message_type: MessageType;
  /** ISO 8601 (the IRC `server-time` when the server sent one). */
  created_at: string;
}

/** A message to store, before it has an id. */
export interface NewMessageInput {
  target: string | null;
  sender: string | null;
  content: string;
  message_type: MessageType;
  /** When it happened; the time of the insert when absent. */
  created_at?: Date;
  /**
   * The IRCv3 `msgid` the server gave it: a message whose msgid the server
   * already has stored (or that comes earlier in the same batch) is not
   * stored again.
   */
  msgid?: string;
}

/** A stored message and its position in the server's event log. */
export interface StoredMessage {
  seq: number;
  message: MessageJson;
}

interface MessageRow {
  id: string | number;
  server_id: number;
  target: string | null;
  sender: string | null;
  content: string;
  message_type: MessageType;
  created_at: Date | string;
}

/** The JSON shape of a `messages` row. */
export function messageJson(row: MessageRow): MessageJson {
  return {
    id: Number(row.id),
    server_id: row.server_id,
    target: row.target,
    sender: row.sender,
    content: row.content,
    message_type: row.message_type,
    created_at: row.created_at instanceof Date
      ? row.created_at.toISOString()
      : new Date(row.created_at).toISOString(),
  };
}

/**
 * Inserts `messages` of one server in one statement, in order, numbered
 * after everything its event log holds; returns those stored, in order
 * (not those whose `msgid` the server already has: a replayed line).
 *
 * Taking the numbers locks the server's `server_event_seqs` row until the
 * statement commits, so numbers of one server commit in order whoever
 * writes. `batchId`, when given, is recorded with the numbers: a writer
 * whose commit was not acknowledged reads it back to learn whether the
 * batch is in ({@link lastBatchOf}).
 */
export async function insertMessages(
  db: Db,
  serverId: number,
  messages: readonly NewMessageInput[],
  batchId: string | null = null,
): Promise<StoredMessage[]> {
  if (messages.length === 0) return [];
  return (await insertBatch(db, serverId, messages, batchId, null)).stored;
}

/**
 * {@link insertMessages}, and in the same statement the batch's
 * `server_<id>_messages` notification (from `ServiceBus.inlineNotification`:
 * its header, on its PostgreSQL channel): committed with the rows, it saves the
 * round trip of a second statement on the event path. The data is the
 * `messagesPayload` of the batch, built by PostgreSQL (`messagesPayloadSql`); returned with the
 * rows for the local delivery.
 */
export async function insertMessagesNotifying(
  db: Db,
  serverId: number,
  messages: readonly NewMessageInput[],
  batchId: string | null,
  notification: Pick<InlineNotification, "header" | "pgChannel">,
): Promise<{ stored: StoredMessage[]; payload: string }> {
  const { stored, payload } = await insertBatch(db, serverId, messages, batchId, {
    header: notification.header,
    pgChannel: await notification.pgChannel,
  });
  return { stored, payload: payload ?? "" };
}

// JSON a message adds to a payload besides its strings (keys, id, seq, time).
const PAYLOAD_BYTES_PER_MESSAGE = 150;

async function insertBatch(
  db: Db,
  serverId: number,
  messages: readonly NewMessageInput[],
  batchId: string | null,
  notify: { header: string; pgChannel: string } | null,
): Promise<{ stored: StoredMessage[]; payload: string | undefined }> {
  const count = messages.length;
  const now = new Date().toISOString();
  // The rows travel as one JSON text, which JSON.stringify writes natively,
  // rather than as five array literals, which npm:pg escapes element by
  // element in JavaScript (a sixth of a worker's time under a flood).
  const rows: BatchRow[] = new Array(count);
  let lastDate: Date | undefined;
  let lastTime = now;
  // A UTF-8 byte count is at least the UTF-16 length: when even that is too
  // big, PostgreSQL need not build the messages' JSON.
  let least = 0;
  for (let i = 0; i < count; i++) {
    const m = messages[i];
    const target = m.target === null ? null : storableText(m.target);
    const sender = m.sender === null ? null : storableText(m.sender);
    const content = boundedText(m.content);
    let time = now;
    if (m.created_at) {
      if (m.created_at !== lastDate) {
        lastDate = m.created_at;
        lastTime = m.created_at.toISOString();
      }
      time = lastTime;
    }
    const msgid = typeof m.msgid === "string" && m.msgid !== "" ? storableText(m.msgid) : null;
    rows[i] = { t: target, s: sender, c: content, y: m.message_type, at: time, g: msgid };
    least += PAYLOAD_BYTES_PER_MESSAGE + content.length + (target?.length ?? 0) + (sender?.length ?? 0);
  }
  // Rows whose msgid is stored already, or repeated earlier in the batch,
  // are left out before the numbers are taken, so a replayed line leaves no
  // gap in the log; `on conflict` only covers another writer racing this one.
  const insert = sql`
    r as (
      select j.*, row_number() over (partition by j.msgid order by j.n) as nth
      from rows from (json_to_recordset(${JSON.stringify(rows)}::json)
                        as (t text, s text, c text, y text, at timestamptz, g text))
        with ordinality as j(target, sender, content, message_type, created_at, msgid, n)
    ),
    f as (
      select r.*, row_number() over (order by r.n) as k from r
      where r.msgid is null
         or (r.nth = 1
             and not exists (select 1 from messages x where x.server_id = ${serverId} and x.msgid = r.msgid))
    ),
    c as (select count(*) as kept from f),
    s as (
      insert into server_event_seqs as q (server_id, last_seq, last_batch)
      select ${serverId}::int, c.kept, ${batchId}::text from c
      on conflict (server_id) do update
        set last_seq = q.last_seq + excluded.last_seq,
            last_batch = coalesce(excluded.last_batch, q.last_batch)
      returning last_seq
    ),
    w as (select f.*, s.last_seq - c.kept + f.k as seq from f, s, c),
    m as (
      insert into messages (server_id, seq, target, sender, content, message_type, created_at, msgid)
      select ${serverId}, w.seq, w.target, w.sender, w.content, w.message_type, w.created_at, w.msgid
      from w
      on conflict (server_id, msgid) where msgid is not null do nothing
      returning id, seq, target, sender, content, message_type, created_at
    ),
    -- Which line of the batch each number went to, looked up by position: a join of m with w on seq was
    -- planned as a nested loop over the two CTEs (a million comparisons a 1,000-line batch, 90% of the
    -- statement). Materialized, so the array is built once, not once a row.
    a as materialized (
      select array_agg(f.n order by f.k) as ns, (select last_seq from s) - (select kept from c) as base from f
    )`;
  // Only the numbers come back: the rest is what was sent. Each of the
  // three shapes of the statement is a prepared statement of its own.
  const withJson = least <= INLINE_PAYLOAD_BYTES;
  const result = notify === null
    ? await executePrepared(
      db,
      "ircweb_insert_messages",
      sql<{ id: string; seq: string; n: string; payload?: undefined }>`
        with ${insert} select m.id, m.seq, a.ns[m.seq - a.base] as n from m, a`,
    )
    : await executePrepared(
      db,
      withJson ? "ircweb_insert_messages_notify_json" : "ircweb_insert_messages_notify",
      sql<{ id: string; seq: string; n: string; payload: string }>`
        with ${insert},
        n as (${messagesPayloadSql(serverId, withJson)}),
        sent as (select payload, pg_notify(${notify.pgChannel}, ${notify.header} || payload) from n)
        select m.id, m.seq, a.ns[m.seq - a.base] as n, (select payload from sent) as payload from m, a`,
    );
  const stored: StoredMessage[] = [];
  for (const row of result) {
    const seq = Number(row.seq);
    const sent = rows[Number(row.n) - 1];
    stored.push({
      seq,
      message: {
        id: Number(row.id),
        server_id: serverId,
        target: sent.t,
        sender: sent.s,
        content: sent.c,
        message_type: sent.y,
        created_at: sent.at,
      },
    });
  }
  stored.sort((a, b) => a.seq - b.seq);
  return { stored, payload: result[0]?.payload };
}

/**
 * The `batchId` of the last message batch written for `serverId`, and its
 * newest number. It waits for a write of the server still under way (one
 * whose client saw its connection drop while PostgreSQL went on to commit
 * it): a writer holds the row's lock from taking its numbers until it
 * commits, so a write that got that far is counted, not guessed at.
 */
export async function lastBatchOf(
  db: Db,
  serverId: number,
): Promise<{ batchId: string | null; lastSeq: number } | undefined> {
  const row = await db.selectFrom("server_event_seqs").select(["last_batch", "last_seq"])
    .where("server_id", "=", serverId).forShare().executeTakeFirst();
  return row && { batchId: row.last_batch, lastSeq: Number(row.last_seq) };
}

/** Which messages a history request wants. */
export interface HistoryQuery {
  /** A channel or query nick (any case), or `null` for server-wide messages. */
  target: string | null;
  /** Only messages with an id below this one (paging backwards). */
  before?: number;
  /** How many, at most {@link MAX_HISTORY_LIMIT}; default {@link DEFAULT_HISTORY_LIMIT}. */
  limit?: number;
}

/**
 * The newest messages of one target of a server, before `before`, newest
 * last. Walks the `(server_id, lower(target), id desc)` index, so a page
 * costs the same on millions of rows. The caller checks the server is the
 * user's.
 */
export async function listMessages(db: Db, serverId: number, query: HistoryQuery): Promise<MessageJson[]> {
  const limit = Math.min(MAX_HISTORY_LIMIT, Math.max(1, Math.floor(query.limit ?? DEFAULT_HISTORY_LIMIT)));
  let select = db.selectFrom("messages")
    .select(["id", "server_id", "target", "sender", "content", "message_type", "created_at"])
    .where("server_id", "=", serverId)
    .where(
      query.target === null
        ? sql<boolean>`lower(target) is null`
        : sql<boolean>`lower(target) = lower(${query.target})`,
    );
  if (query.before !== undefined) select = select.where("id", "<", String(query.before));
  const rows = await select.orderBy("id", "desc").limit(limit).execute();
  return rows.reverse().map(messageJson);
}

/**
 * Reads the `before` and `limit` of a history request from query-string
 * values; returns the reason when one is not acceptable.
 */
export function parseHistoryParams(
  before: string | undefined,
  limit: string | undefined,
): { ok: true; before?: number; limit: number } | { ok: false; error: string } {
  let beforeId: number | undefined;
  if (before !== undefined && before !== "") {
    // Lines fetched from the server's history have negative ids (migration 0019).
    if (!/^-?[1-9][0-9]{0,15}$/.test(before)) return { ok: false, error: "before must be a message id" };
    beforeId = Number(before);
  }
  let count = DEFAULT_HISTORY_LIMIT;
  if (limit !== undefined && limit !== "") {
    if (!/^[0-9]{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_HISTORY_LIMIT) {
      return { ok: false, error: `limit must be between 1 and ${MAX_HISTORY_LIMIT}` };
    }
    count = Number(limit);
  }
  return { ok: true, before: beforeId, limit: count };
}

/** Kinds of message a server's history holds. */
export const HISTORY_TYPES: readonly MessageType[] = ["privmsg", "notice", "action"];

// What can stand as one parameter of an IRC command: no space, no control character.
// deno-lint-ignore no-control-regex -- control characters are what is refused
const COMMAND_WORD = /^[^\s\x00-\x1f\x7f,]+$/;

/**
 * Where the stored history of `target` begins, as a `CHATHISTORY BEFORE`
 * reference: `msgid=<id>` of its oldest text line when it has a usable one,
 * else `timestamp=<ISO time>` of it (or of the oldest row of any kind; of
 * now when nothing is stored). The oldest is the lowest id: ids order a
 * window's lines, fetched ones included.
 */
export async function oldestHistoryMark(db: Db, serverId: number, target: string): Promise<string> {
  const window = sql<boolean>`lower(target) = lower(${target})`;
  const line = await db.selectFrom("messages").select(["msgid", "created_at"])
    .where("server_id", "=", serverId).where(window).where("message_type", "in", HISTORY_TYPES)
    .orderBy("id").limit(1).executeTakeFirst() ??
    await db.selectFrom("messages").select(["msgid", "created_at"])
      .where("server_id", "=", serverId).where(window).orderBy("id").limit(1).executeTakeFirst();
  if (line?.msgid && COMMAND_WORD.test(line.msgid) && line.msgid.length <= 200) return `msgid=${line.msgid}`;
  return `timestamp=${new Date(line?.created_at ?? Date.now()).toISOString()}`;
}

/**
 * Stores `messages` (one window's older lines from the server's history,
 * oldest first) below everything stored: each takes an id from the
 * descending sequence of migration 0019, the newest the highest, and that
 * negative id as its `seq`, so no reader of the event log (which reads
 * numbers above a cursor, never below 0) ever sees them and nothing
 * announces them: they are not live events. A line whose msgid is stored
 * already is left out. The search vector is set here, since the indexer
 * only walks numbers above its watermark. Returns how many were stored.
 */
export async function insertBackfill(
  db: Db,
  serverId: number,
  messages: readonly NewMessageInput[],
): Promise<number> {
  if (messages.length === 0) return 0;
  return await db.transaction().execute(async (trx) => {
    // The server's sequence row, as the live insert takes it: a deletion of
    // the server (whose trigger locks it) waits for this batch, or refuses it.
    const head = await trx.selectFrom("server_event_seqs").select("server_id")
      .where("server_id", "=", serverId).forShare().executeTakeFirst();
    if (!head) return 0;
    const { rows: ids } = await sql<{ id: string }>`
      select nextval(${BACKFILL_SEQUENCE}::regclass) as id
      from generate_series(1, ${messages.length}::int)`.execute(trx);
    // Highest (nearest -1) first: the newest line gets it.
    const free = ids.map((r) => BigInt(r.id)).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
    const rows = [...messages].reverse().map((m, i) => ({
      i: String(free[i]),
      t: m.target === null ? null : storableText(m.target),
      s: m.sender === null ? null : storableText(m.sender),
      c: boundedText(m.content),
      y: m.message_type,
      at: (m.created_at ?? new Date()).toISOString(),
      g: typeof m.msgid === "string" && m.msgid !== "" ? storableText(m.msgid) : null,
    }));
    const { rows: stored } = await sql<{ id: string }>`
      with j as (
        select j.*, row_number() over (partition by j.g order by j.i desc) as nth
        from json_to_recordset(${JSON.stringify(rows)}::json)
          as j(i bigint, t text, s text, c text, y text, at timestamptz, g text)
      )
      insert into messages (id, server_id, seq, target, sender, content, message_type, created_at, msgid,
                            search_vector)
      select j.i, ${serverId}, j.i, j.t, j.s, j.c, j.y, j.at, j.g,
             case when ${sql.raw(SEARCHED_TYPES_SQL.replace("message_type", "j.y"))}
                  then ircweb_search_vector(j.c, j.s) end
      from j
      where j.g is null
         or (j.nth = 1 and not exists (select 1 from messages x where x.server_id = ${serverId} and x.msgid = j.g))
      on conflict (server_id, msgid) where msgid is not null do nothing
      returning id`.execute(trx);
    return stored.length;
  });
}

// One message as the insert's JSON carries it.
interface BatchRow {
  t: string | null;
  s: string | null;
  c: string;
  y: MessageType;
  at: string;
  /** The msgid, or `null`. */
  g: string | null;
}
