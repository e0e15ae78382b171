/**
 * A server's channel list, as its last `LIST` answered: the worker writes
 * it in batches as the replies come (`workers/events/list.ts`), and the
 * channel browser pages through it (`GET /api/servers/:id/channel-list`),
 * searching and sorting in the database, so neither a 50,000-channel
 * network's worker nor the page ever holds or draws the whole list.
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "./db/database.ts";
import { boundedText, storableText } from "./storableText.ts";
import { utf8Length } from "./ircCommand.ts";

/** One channel of the list. */
export interface ChannelListEntry {
  name: string;
  users: number;
  topic: string;
}

/** How far the list got. */
export interface ChannelListState {
  state: "none" | "listing" | "done";
  filter: string | null;
  /** Channels stored so far. */
  total: number;
  /** Whether more came than {@link MAX_LIST_ENTRIES} (the rest are not stored). */
  truncated: boolean;
  started_at: string | null;
  finished_at: string | null;
}

/** One page of the list, with its state. */
export interface ChannelListPage extends ChannelListState {
  /** Channels matching the search. */
  matching: number;
  entries: ChannelListEntry[];
}

/** How the browser sorts. */
export type ChannelListSort = "users" | "name";

// One word, as a channel name is: no space, comma, BEL or NUL.
// deno-lint-ignore no-control-regex -- BEL and NUL are exactly what must be refused
const LIST_NAME = /^[^\s,\x00\x07]+$/;

/** Most channels one list keeps (a hostile server's LIST must not be unbounded). */
export const MAX_LIST_ENTRIES = 100_000;
/** Most bytes of a topic kept. */
export const MAX_LIST_TOPIC_BYTES = 400;
/** Most channels one page returns. */
export const MAX_PAGE_SIZE = 200;

/**
 * An entry of a `LIST` reply made storable, or `null` for one that is not a
 * channel (what a server sends is hostile input): a name of one word of at
 * most 200 bytes, a user count that is a non-negative integer (else 0), a
 * topic without NUL and at most {@link MAX_LIST_TOPIC_BYTES} bytes.
 */
export function listEntryOf(
  raw: { channel?: unknown; num_users?: unknown; topic?: unknown },
): ChannelListEntry | null {
  const name = raw.channel;
  if (typeof name !== "string" || !LIST_NAME.test(name) || utf8Length(name) > 200) return null;
  const users = typeof raw.num_users === "number" && Number.isSafeInteger(raw.num_users) && raw.num_users >= 0
    ? Math.min(raw.num_users, 2_147_483_647)
    : 0;
  const topic = typeof raw.topic === "string" ? boundedText(raw.topic, MAX_LIST_TOPIC_BYTES) : "";
  return { name: storableText(name), users, topic };
}

/** Starts a new list of `serverId` (the old one is dropped). */
export async function beginChannelList(db: Db, serverId: number, filter: string | null): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom("channel_list_entries").where("server_id", "=", serverId).execute();
    await trx.insertInto("channel_lists")
      .values({ server_id: serverId, state: "listing", filter, total: 0, truncated: false })
      .onConflict((oc) =>
        oc.column("server_id").doUpdateSet({
          state: "listing",
          filter,
          total: 0,
          truncated: false,
          started_at: sql`now()`,
          finished_at: null,
        })
      )
      .execute();
  });
}

/**
 * Adds `entries` to the list of `serverId`, up to {@link MAX_LIST_ENTRIES}
 * in all; `truncated` says more came. One statement each for the rows and
 * the count, however many entries.
 */
export async function addChannelListEntries(
  db: Db,
  serverId: number,
  entries: readonly ChannelListEntry[],
  truncated = false,
): Promise<void> {
  if (entries.length === 0 && !truncated) return;
  await db.transaction().execute(async (trx) => {
    if (entries.length > 0) {
      // One row a name: a server repeating one in a batch must not fail the insert.
      const unique = [...new Map(entries.map((e) => [e.name, e])).values()];
      await trx.insertInto("channel_list_entries")
        .values(unique.map((e) => ({ server_id: serverId, ...e })))
        .onConflict((oc) =>
          oc.columns(["server_id", "name"]).doUpdateSet({
            users: sql`excluded.users`,
            topic: sql`excluded.topic`,
          })
        )
        .execute();
    }
    await trx.updateTable("channel_lists")
      .set({
        total: sql`(select count(*)::int from channel_list_entries where server_id = ${serverId})`,
        ...(truncated ? { truncated: true } : {}),
      })
      .where("server_id", "=", serverId)
      .execute();
  });
}

/** Marks the list of `serverId` complete. */
export async function finishChannelList(db: Db, serverId: number): Promise<void> {
  await db.updateTable("channel_lists")
    .set({ state: "done", finished_at: sql`now()` })
    .where("server_id", "=", serverId)
    .execute();
}

/** What {@link readChannelList} is asked. */
export interface ChannelListQuery {
  /** Words the name or the topic contains (case-insensitive). */
  search?: string;
  sort?: ChannelListSort;
  offset?: number;
  limit?: number;
}

/** One page of the list of `serverId`: the state, how many match, and the entries. */
export async function readChannelList(
  db: Db,
  serverId: number,
  query: ChannelListQuery,
): Promise<ChannelListPage> {
  const state = await db.selectFrom("channel_lists").selectAll().where("server_id", "=", serverId)
    .executeTakeFirst();
  const limit = Math.min(Math.max(1, query.limit ?? 50), MAX_PAGE_SIZE);
  const offset = Math.max(0, query.offset ?? 0);
  let base = db.selectFrom("channel_list_entries").where("server_id", "=", serverId);
  const search = (query.search ?? "").trim();
  if (search !== "") {
    const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    base = base.where((eb) => eb.or([eb("name", "ilike", pattern), eb("topic", "ilike", pattern)]));
  }
  const [{ matching }] = await base.select(sql<number>`count(*)::int`.as("matching")).execute();
  let rows = base.select(["name", "users", "topic"]);
  rows = query.sort === "name"
    ? rows.orderBy(sql`lower(name)`).orderBy("name")
    : rows.orderBy("users", "desc").orderBy("name");
  const entries = await rows.limit(limit).offset(offset).execute();
  return {
    state: state?.state ?? "none",
    filter: state?.filter ?? null,
    total: state?.total ?? 0,
    truncated: state?.truncated ?? false,
    started_at: state?.started_at ? new Date(state.started_at).toISOString() : null,
    finished_at: state?.finished_at ? new Date(state.finished_at).toISOString() : null,
    matching,
    entries,
  };
}

/** The worker's store of its server's list (`workers/events/list.ts`). */
export function channelListStore(db: Db, serverId: number): {
  begin(filter: string | null): Promise<void>;
  add(entries: readonly ChannelListEntry[], truncated: boolean): Promise<void>;
  finish(): Promise<void>;
} {
  return {
    begin: (filter) => beginChannelList(db, serverId, filter),
    add: (entries, truncated) => addChannelListEntries(db, serverId, entries, truncated),
    finish: () => finishChannelList(db, serverId),
  };
}
