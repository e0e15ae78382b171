/**
 * The app instances sharing one database: each registers a row with its
 * internal URL and a heartbeat, and is live while that heartbeat is fresh and
 * its lease connection is open (lib/cluster/serverLease.ts names it after the
 * instance). Who runs a server is read from the advisory locks themselves.
 * @module
 */
import { sql } from "kysely";
import type { Db } from "../db/database.ts";
import { LEASE_NAMESPACE, leaseApplicationName } from "./serverLease.ts";

/** One instance as its row says. */
export interface InstanceInfo {
  id: string;
  /** Where the other instances reach it (`INSTANCE_URL`). */
  url: string;
  /** Its share of the networks relative to the others' (`INSTANCE_WEIGHT`). */
  weight: number;
  /** Most workers it runs (`MAX_WORKERS`). */
  maxWorkers: number;
}

/** What an instance id may be made of: it is part of its lease connection's `application_name`. */
export const INSTANCE_ID_PATTERN = /^[A-Za-z0-9._:-]{1,40}$/;

/** How long an instance counts as live after its last heartbeat, by default. */
export const INSTANCE_TIMEOUT_MS = 15_000;

/**
 * An id for an instance started without `INSTANCE_ID`: its port and a random
 * part, so two instances on one host or two hosts never share one.
 */
export function deriveInstanceId(port: number): string {
  return `i${port}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Writes (or refreshes) the row of `instance`, with a heartbeat of now. */
export async function registerInstance(db: Db, instance: InstanceInfo): Promise<void> {
  await sql`
    insert into app_instances (id, url, weight, max_workers)
    values (${instance.id}, ${instance.url}, ${instance.weight}, ${instance.maxWorkers})
    on conflict (id) do update set url = excluded.url, weight = excluded.weight,
      max_workers = excluded.max_workers, started_at = now(), heartbeat_at = now()`.execute(db);
}

/** Refreshes the heartbeat of `id`; writes the whole row again if it was removed meanwhile. */
export async function heartbeat(db: Db, instance: InstanceInfo): Promise<void> {
  const result = await sql`update app_instances set heartbeat_at = now() where id = ${instance.id}`
    .execute(db);
  if (Number(result.numAffectedRows ?? 0) === 0) await registerInstance(db, instance);
}

/** Removes the row of `id` (a clean stop), so the others stop counting it at once. */
export async function removeInstance(db: Db, id: string): Promise<void> {
  await sql`delete from app_instances where id = ${id}`.execute(db);
}

/**
 * The live instances, by id: a heartbeat younger than `timeoutMs` (by the
 * database's clock, so hosts' clocks need not agree) and a lease connection
 * open now. An instance killed outright loses the second at once.
 */
export async function liveInstances(db: Db, timeoutMs = INSTANCE_TIMEOUT_MS): Promise<InstanceInfo[]> {
  const { rows } = await sql<{ id: string; url: string; weight: number; max_workers: number }>`
    select i.id, i.url, i.weight, i.max_workers from app_instances i
    where i.heartbeat_at > now() - make_interval(secs => ${timeoutMs / 1000})
      and exists (select 1 from pg_stat_activity a
        where a.application_name = ${leaseApplicationName("")} || i.id and a.datname = current_database())
    order by i.id`.execute(db);
  return rows.map((r) => ({ id: r.id, url: r.url, weight: r.weight, maxWorkers: r.max_workers }));
}

/**
 * Who holds each server's lease now: server id to instance id. A lease
 * held by a connection not named after an instance (an older version) maps
 * to `""`.
 */
export async function leaseOwners(db: Db): Promise<Map<number, string>> {
  const { rows } = await sql<{ server_id: string; application_name: string }>`
    select l.objid::int8 as server_id, a.application_name from pg_locks l
    join pg_stat_activity a on a.pid = l.pid
    where l.locktype = 'advisory' and l.granted and l.classid = ${LEASE_NAMESPACE}::oid
      and l.objsubid = 2 and l.database = (select oid from pg_database where datname = current_database())`
    .execute(db);
  const prefix = leaseApplicationName("");
  return new Map(rows.map((r) => [
    Number(r.server_id),
    r.application_name.startsWith(prefix) ? r.application_name.slice(prefix.length) : "",
  ]));
}

/** The instance holding the lease of `serverId`, with its URL, or `undefined` when none (or not a registered one) does. */
export async function ownerOf(db: Db, serverId: number): Promise<InstanceInfo | undefined> {
  const { rows } = await sql<{ id: string; url: string; weight: number; max_workers: number }>`
    select i.id, i.url, i.weight, i.max_workers from pg_locks l
    join pg_stat_activity a on a.pid = l.pid
    join app_instances i on a.application_name = ${leaseApplicationName("")} || i.id
    where l.locktype = 'advisory' and l.granted and l.classid = ${LEASE_NAMESPACE}::oid
      and l.objid = ${serverId}::oid and l.objsubid = 2
      and l.database = (select oid from pg_database where datname = current_database())`.execute(db);
  const r = rows[0];
  return r && { id: r.id, url: r.url, weight: r.weight, maxWorkers: r.max_workers };
}
