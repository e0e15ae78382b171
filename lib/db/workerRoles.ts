/**
 * The database role of one IRC worker: a login role per server, member of
 * the `ircweb_worker` group that migration `0007_worker_roles` grants what a
 * worker does, confined by row-level security to that server's rows. The
 * app (which owns the tables) gives it a fresh random password each time it
 * spawns the worker, so a worker's password dies with the worker that knew it.
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "./database.ts";
import { WORKER_GROUP_ROLE } from "./migrations/0007_worker_roles.ts";

/** How a worker logs in. */
export interface WorkerCredentials {
  user: string;
  password: string;
}

/**
 * Most connections one worker role may hold: a worker's pool has 2, and
 * the one it replaces may still be closing its own.
 */
export const WORKER_CONNECTION_LIMIT = 4;

/**
 * The name of the worker role of `serverId` in the database whose oid is
 * `databaseOid` (roles are shared by every database of a cluster; the
 * policies read both numbers back from `current_user`).
 */
export function workerRoleName(databaseOid: number, serverId: number): string {
  if (!Number.isSafeInteger(databaseOid) || !Number.isSafeInteger(serverId) || serverId < 1) {
    throw new Error("Bad worker role numbers");
  }
  return `ircweb_${databaseOid}_server_${serverId}`;
}

/**
 * Creates (or updates) the role of `serverId`'s worker with a new random
 * password and returns how to log in as it.
 *
 * @throws Error saying what to grant when the app's role may not manage roles.
 */
export async function provisionWorkerRole(db: Db, serverId: number): Promise<WorkerCredentials> {
  const { rows } = await sql<{ oid: string }>`
    select oid::int8 as oid from pg_database where datname = current_database()`.execute(db);
  const user = workerRoleName(Number(rows[0].oid), serverId);
  const password = randomPassword();
  // Both are made of [a-z0-9_] only (checked above and below): safe to splice.
  const role = sql.id(user);
  const attributes = sql.raw(
    `login inherit nocreatedb nocreaterole noreplication nobypassrls ` +
      `connection limit ${WORKER_CONNECTION_LIMIT} password '${password}'`,
  );
  try {
    const exists = await sql<{ n: number }>`select 1 as n from pg_roles where rolname = ${user}`.execute(db);
    if (exists.rows.length === 0) {
      try {
        await sql`create role ${role} ${attributes}`.execute(db);
      } catch (error) {
        // Another app instance made it meanwhile: update it instead.
        if (!isCode(error, "42710") && !isCode(error, "23505")) throw error;
        await sql`alter role ${role} ${attributes}`.execute(db);
      }
    } else {
      await sql`alter role ${role} ${attributes}`.execute(db);
    }
    // Its only grants come through the group.
    await sql`grant ${sql.id(WORKER_GROUP_ROLE)} to ${role}`.execute(db);
  } catch (error) {
    if (isCode(error, "42501")) {
      const { rows: me } = await sql<{ name: string }>`select current_user as name`.execute(db);
      const name = me[0]?.name ?? "of the app";
      throw new Error(
        `The database role ${name} may not create the IRC worker's own role (${user}): ` +
          `grant it CREATEROLE ("ALTER ROLE ${name} CREATEROLE") and admin of ${WORKER_GROUP_ROLE} ` +
          `("GRANT ${WORKER_GROUP_ROLE} TO ${name} WITH ADMIN OPTION")`,
      );
    }
    throw error;
  }
  return { user, password };
}

/**
 * Drops the worker roles of this database whose server no longer exists
 * (a role outlives nothing it stood for, and roles are the cluster's, not
 * the database's); returns their names. Run after a server is deleted, it
 * also takes any left by a deletion before, or by a spawn that raced one.
 *
 * @throws Error from PostgreSQL when a role cannot be dropped (one that
 * owns objects, say); the others are dropped first.
 */
export async function dropStaleWorkerRoles(db: Db): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select r.rolname as name
    from pg_roles r, pg_database d
    where d.datname = current_database()
      and r.rolname ~ ('^ircweb_' || d.oid::text || '_server_[0-9]{1,10}$')
      and not exists (
        select 1 from servers s where s.id::text = substring(r.rolname from '_server_([0-9]+)$'))
    order by r.rolname`.execute(db);
  const dropped: string[] = [];
  let failure: unknown;
  for (const { name } of rows) {
    try {
      await sql`drop role if exists ${sql.id(name)}`.execute(db);
      dropped.push(name);
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
  return dropped;
}

function randomPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}
