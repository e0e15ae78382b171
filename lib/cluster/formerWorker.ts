/**
 * Waiting for the worker another instance ran for a server to be gone before
 * this one starts its own: an instance killed outright leaves its workers to
 * notice (lib/parentWatch.ts) and quit IRC, and two of our clients on one
 * network at once would fight over its nick.
 * @module
 */
import { sql } from "kysely";
import type { Db } from "../db/database.ts";
import { workerRoleName } from "../db/workerRoles.ts";

/** How long a takeover waits for the former worker by default: its parent check, its QUIT, its exit. */
export const FORMER_WORKER_WAIT_MS = 8000;

/** How many database sessions the worker role of `serverId` holds now (any instance's worker). */
export async function workerSessions(db: Db, serverId: number): Promise<number> {
  const { rows: oid } = await sql<{ oid: string }>`
    select oid::int8 as oid from pg_database where datname = current_database()`.execute(db);
  const role = workerRoleName(Number(oid[0].oid), serverId);
  const { rows } = await sql<{ n: string }>`
    select count(*) as n from pg_stat_activity where usename = ${role}`.execute(db);
  return Number(rows[0].n);
}

/**
 * Resolves once no worker of `serverId` holds a database session (a worker
 * keeps its sessions until it exits, after its QUIT); throws, with a reason a
 * user can read, when one still does after `timeoutMs`.
 */
export async function waitForFormerWorker(
  db: Db,
  serverId: number,
  timeoutMs = FORMER_WORKER_WAIT_MS,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let pause = 50;
  while (await workerSessions(db, serverId) > 0) {
    if (performance.now() >= deadline) {
      throw new Error(
        `The worker another app instance ran for this server is still connected after ${timeoutMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(250, pause * 2);
  }
}
