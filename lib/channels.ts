/**
 * The channels of a server and whether the user is in them.
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "./db/database.ts";
import type { Channel } from "./db/schema.ts";

/** Records that the user joined or left `name` (matched case-insensitively). */
export async function setChannelJoined(
  db: Db,
  serverId: number,
  name: string,
  joined: boolean,
): Promise<Channel> {
  return await db.insertInto("channels")
    .values({ server_id: serverId, name, joined })
    .onConflict((oc) =>
      oc.expression(sql`server_id, lower(name)`).doUpdateSet({
        joined,
        updated_at: sql<Date>`now()` as unknown as Date,
      })
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Records a channel's topic. */
export async function setChannelTopic(
  db: Db,
  serverId: number,
  name: string,
  topic: string,
): Promise<Channel> {
  return await db.insertInto("channels")
    .values({ server_id: serverId, name, topic })
    .onConflict((oc) =>
      oc.expression(sql`server_id, lower(name)`).doUpdateSet({
        topic,
        updated_at: sql<Date>`now()` as unknown as Date,
      })
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The names of the channels the user is in, to rejoin after a reconnect. */
export async function joinedChannels(db: Db, serverId: number): Promise<string[]> {
  const rows = await db.selectFrom("channels").select("name")
    .where("server_id", "=", serverId).where("joined", "=", true).orderBy("id").execute();
  return rows.map((r) => r.name);
}
