/**
 * The channels of a server and whether the user is in them. Every change
 * is recorded in the server's event log and published (`channel` events).
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "./db/database.ts";
import type { Channel } from "./db/schema.ts";
import { appendServerEvent } from "./events/eventLog.ts";
import { type LogEvent, type Publisher, publishServerEvent } from "./events/wireFormat.ts";
import { storableText } from "./storableText.ts";

/** A change of a channel: whether the user is in it, and/or its topic. */
export interface ChannelChange {
  joined?: boolean;
  topic?: string;
}

/**
 * Applies `change` to the channel `name` of a server (matched
 * case-insensitively, created when new) inside the caller's transaction.
 * When something changed, it is recorded in the server's event log and the
 * event is returned, for the caller to publish after the commit.
 */
export async function changeChannel(
  trx: Db,
  serverId: number,
  name: string,
  change: ChannelChange,
): Promise<{ channel: Channel; event: LogEvent | undefined }> {
  name = storableText(name);
  if (typeof change.topic === "string") change = { ...change, topic: storableText(change.topic) };
  const changed = await trx.insertInto("channels")
    .values({ server_id: serverId, name, joined: change.joined ?? false, topic: change.topic ?? null })
    .onConflict((oc) =>
      oc.expression(sql`server_id, lower(name)`).doUpdateSet({
        ...(change.joined === undefined ? {} : { joined: change.joined }),
        ...(change.topic === undefined ? {} : { topic: change.topic }),
        updated_at: sql<Date>`now()` as unknown as Date,
      }).where(
        sql<boolean>`(${change.joined ?? null}::boolean is not null and channels.joined is distinct from ${
          change.joined ?? null
        }::boolean) or (${change.topic ?? null}::text is not null and channels.topic is distinct from ${
          change.topic ?? null
        }::text)`,
      )
    )
    .returningAll()
    .executeTakeFirst();
  if (!changed) {
    const channel = await trx.selectFrom("channels").selectAll().where("server_id", "=", serverId)
      .where(sql<boolean>`lower(name) = lower(${name})`).executeTakeFirstOrThrow();
    return { channel, event: undefined };
  }
  const event = await appendServerEvent(trx, {
    event: "channel",
    data: { server_id: serverId, name: changed.name, joined: changed.joined, topic: changed.topic },
  });
  return { channel: changed, event };
}

/**
 * {@link changeChannel} in a transaction of its own; given a `publisher`,
 * the change is published on `server_<id>_channels` after the commit.
 * Inside the caller's transaction nothing can be published yet: use
 * {@link changeChannel}, which returns the event to publish once it commits.
 *
 * @throws Error when given both a transaction and a publisher.
 */
export async function updateChannel(
  db: Db,
  serverId: number,
  name: string,
  change: ChannelChange,
  publisher?: Publisher,
): Promise<Channel> {
  if (db.isTransaction && publisher) {
    throw new Error(
      "A channel change made in a transaction is published after its commit, not by updateChannel",
    );
  }
  const { channel, event } = db.isTransaction
    ? await changeChannel(db, serverId, name, change)
    : await db.transaction().execute((trx) => changeChannel(trx, serverId, name, change));
  if (event && publisher) await publishServerEvent(publisher, event).catch(() => {/* the log has it */});
  return channel;
}

/** Records that the user joined or left `name` (matched case-insensitively). */
export function setChannelJoined(
  db: Db,
  serverId: number,
  name: string,
  joined: boolean,
  publisher?: Publisher,
): Promise<Channel> {
  return updateChannel(db, serverId, name, { joined }, publisher);
}

/** Records a channel's topic. */
export function setChannelTopic(
  db: Db,
  serverId: number,
  name: string,
  topic: string,
  publisher?: Publisher,
): Promise<Channel> {
  return updateChannel(db, serverId, name, { topic }, publisher);
}

/** The names of the channels the user is in, to rejoin after a reconnect. */
export async function joinedChannels(db: Db, serverId: number): Promise<string[]> {
  const rows = await db.selectFrom("channels").select("name")
    .where("server_id", "=", serverId).where("joined", "=", true).orderBy("id").execute();
  return rows.map((r) => r.name);
}
