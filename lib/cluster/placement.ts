/**
 * Which live app instance runs each network that should be connected: every
 * instance computes the same shares from one snapshot (by weight, capped at
 * each one's MAX_WORKERS), takes unowned networks while under its share and
 * hands the fewest over while above it (docs/architecture.md, "Several app instances").
 * @module
 */
import { sql } from "kysely";
import type { Db } from "../db/database.ts";
import {
  heartbeat,
  type InstanceInfo,
  leaseOwners,
  liveInstances,
  registerInstance,
  removeInstance,
} from "./instances.ts";
import { errorMessage, type Logger } from "../log.ts";

/** How often an instance looks at the placement, by default. */
export const PLACEMENT_INTERVAL_MS = 1000;

/** What the placement needs from this instance's supervisor. */
export interface PlacedSupervisor {
  /** Starts the worker of `serverId` if its lease is free (a no-op otherwise). */
  connect(serverId: number): Promise<void>;
  /** Stops the worker of `serverId`, keeping it wanted, and gives its lease up for another instance. */
  handOver(serverId: number): Promise<void>;
  /** The servers whose workers this instance keeps. */
  runningIds(): number[];
}

/** One snapshot of the placement, as {@link plan} reads it. */
export interface PlacementView {
  /** This instance's id. */
  me: string;
  /** The live instances (this one among them). */
  instances: InstanceInfo[];
  /** The servers that should be connected. */
  wanted: number[];
  /** Who holds each server's lease (server id to instance id). */
  owners: Map<number, string>;
}

/** What this instance should do about a {@link PlacementView}. */
export interface PlacementPlan {
  /** Its share of the networks. */
  quota: number;
  /** Unowned servers to try to take, best first, at most this many: `take.slice(0, want)`. */
  take: number[];
  /** How many of `take` it should get. */
  want: number;
  /** Servers to hand over to instances below their share. */
  handOver: number[];
}

/**
 * Each instance's share of `total` networks: in proportion to its weight,
 * never above its `maxWorkers`, whatever a capped instance cannot take
 * going to the others; rounding goes to the largest remainders, then the
 * lowest ids, so that every instance computes the same shares. Among equal
 * remainders the rounding goes first to those that already run more than
 * their floor (`running`), so a network is never moved for a rounding.
 */
export function quotas(
  instances: readonly InstanceInfo[],
  total: number,
  running: ReadonlyMap<string, number> = new Map(),
): Map<string, number> {
  const result = new Map(instances.map((i) => [i.id, 0]));
  let open = [...instances].sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  let remaining = total;
  while (remaining > 0 && open.length > 0) {
    const weights = open.reduce((sum, i) => sum + i.weight, 0);
    const exact = open.map((i) => ({ i, share: (remaining * i.weight) / weights }));
    const capped = exact.filter(({ i, share }) => share >= i.maxWorkers - result.get(i.id)!);
    if (capped.length > 0) {
      // The full ones take what they can; the rest is shared again among the others.
      for (const { i } of capped) {
        remaining -= i.maxWorkers - result.get(i.id)!;
        result.set(i.id, i.maxWorkers);
      }
      open = open.filter((i) => !capped.some((c) => c.i === i));
      continue;
    }
    const floors = exact.map(({ i, share }) => ({
      i,
      n: Math.floor(share),
      rest: share - Math.floor(share),
    }));
    let left = remaining - floors.reduce((sum, f) => sum + f.n, 0);
    const holds = (f: { i: InstanceInfo; n: number }) =>
      (running.get(f.i.id) ?? 0) > result.get(f.i.id)! + f.n ? 1 : 0;
    floors.sort((a, b) => b.rest - a.rest || holds(b) - holds(a) || (a.i.id < b.i.id ? -1 : 1));
    for (const f of floors) {
      const extra = left > 0 ? 1 : 0;
      left -= extra;
      result.set(f.i.id, result.get(f.i.id)! + f.n + extra);
    }
    remaining = 0;
  }
  return result;
}

/**
 * How much `instanceId` prefers `serverId` (rendezvous hashing): instances
 * under their share reach for different unowned servers first, and the
 * servers an instance hands over are those it prefers least, so the same
 * ones stay put from one round to the next.
 */
export function preference(instanceId: string, serverId: number): number {
  // FNV-1a, 32 bits: spread enough for ordering, no crypto needed.
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(`${instanceId}\u0000${serverId}`)) {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  }
  return hash;
}

/** What this instance should take and hand over, from one snapshot. */
export function plan(view: PlacementView): PlacementPlan {
  const live = new Set(view.instances.map((i) => i.id));
  const counts = new Map(view.instances.map((i) => [i.id, 0]));
  const unowned: number[] = [];
  const mine: number[] = [];
  for (const id of view.wanted) {
    const owner = view.owners.get(id);
    if (owner === undefined) unowned.push(id);
    else if (live.has(owner)) counts.set(owner, counts.get(owner)! + 1);
    if (owner === view.me) mine.push(id);
  }
  // Servers held by something that is not a live instance cannot be moved: left out.
  const total = unowned.length + [...counts.values()].reduce((sum, n) => sum + n, 0);
  const shares = quotas(view.instances, total, counts);
  const quota = shares.get(view.me) ?? 0;
  const byPreference = (ids: number[]) =>
    ids.map((id) => ({ id, p: preference(view.me, id) })).sort((a, b) => b.p - a.p || a.id - b.id)
      .map(({ id }) => id);
  const have = mine.length;
  if (have < quota) return { quota, take: byPreference(unowned), want: quota - have, handOver: [] };
  if (have > quota) {
    // Only as many as the others lack beyond what is unowned: nothing moves to sit idle.
    let deficit = -unowned.length;
    for (const [id, n] of counts) if (id !== view.me) deficit += Math.max(0, (shares.get(id) ?? 0) - n);
    const n = Math.min(have - quota, Math.max(0, deficit));
    return { quota, take: [], want: 0, handOver: byPreference(mine).reverse().slice(0, n) };
  }
  return { quota, take: [], want: 0, handOver: [] };
}

/** The servers that should be connected: marked `autoconnect` and not stopped by an error. */
export async function wantedServers(db: Db): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`
    select id from servers where autoconnect and status <> 'error' order by id`.execute(db);
  return rows.map((r) => r.id);
}

/** Options of {@link Placement.start}. */
export interface PlacementOptions {
  db: Db;
  supervisor: PlacedSupervisor;
  /** This instance. */
  instance: InstanceInfo;
  /** How often to look; {@link PLACEMENT_INTERVAL_MS} by default. */
  intervalMs?: number;
  /** How long without a heartbeat an instance stops counting (lib/cluster/instances.ts). */
  instanceTimeoutMs?: number;
  log: Logger;
}

/**
 * The placement loop of this instance: a heartbeat, then one {@link plan}
 * carried out, every interval (and at once on {@link Placement.wake}).
 * Handing over waits for a second round that agrees, so that one snapshot
 * taken while another instance moves does not send networks back and forth.
 */
export class Placement {
  readonly #options: PlacementOptions;
  readonly #intervalMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  /** The servers the last round wanted to hand over. */
  #pendingHandOver = new Set<number>();

  private constructor(options: PlacementOptions) {
    this.#options = options;
    this.#intervalMs = options.intervalMs ?? PLACEMENT_INTERVAL_MS;
  }

  /** Registers the instance and starts the loop; the first round is under way when it resolves. */
  static async start(options: PlacementOptions): Promise<Placement> {
    await registerInstance(options.db, options.instance);
    const placement = new Placement(options);
    placement.wake();
    return placement;
  }

  /** Runs a round now (another instance came or went). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#running = this.#round().finally(() => {
      this.#running = undefined;
      if (this.#stopped) return;
      if (this.#again) {
        this.#again = false;
        this.wake();
        return;
      }
      this.#timer = setTimeout(() => this.wake(), this.#intervalMs);
    });
  }

  /** One round, resolved once carried out (tests call it to step the loop). */
  async round(): Promise<void> {
    if (this.#running) await this.#running;
    this.wake();
    await this.#running;
  }

  /**
   * Stops the loop and removes the instance's row, so the others count it
   * out at once; the caller then stops its workers and gives the leases up.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    await removeInstance(this.#options.db, this.#options.instance.id)
      .catch((error) => this.#options.log.warn(`removing the instance row: ${errorMessage(error)}`));
  }

  async #round(): Promise<void> {
    const { db, supervisor, instance, log } = this.#options;
    try {
      await heartbeat(db, instance);
      const [instances, wanted, owners] = await Promise.all([
        liveInstances(db, this.#options.instanceTimeoutMs),
        wantedServers(db),
        leaseOwners(db),
      ]);
      // Our own row may lag our lease connection by a round: we are live, we are here.
      if (!instances.some((i) => i.id === instance.id)) instances.push(instance);
      const next = plan({ me: instance.id, instances, wanted, owners });
      let got = 0;
      for (const id of next.take) {
        if (got >= next.want || this.#stopped) break;
        try {
          await supervisor.connect(id);
          if (supervisor.runningIds().includes(id)) got++;
        } catch (error) {
          log.warn(`server ${id}: not taken: ${errorMessage(error)}`);
        }
      }
      const confirmed = next.handOver.filter((id) => this.#pendingHandOver.has(id));
      this.#pendingHandOver = new Set(next.handOver);
      for (const id of confirmed) {
        if (this.#stopped) break;
        log.info(`server ${id}: handing over to an instance below its share (ours is ${next.quota})`);
        await supervisor.handOver(id).catch((error) =>
          log.warn(`server ${id}: handing over: ${errorMessage(error)}`)
        );
        this.#pendingHandOver.delete(id);
      }
    } catch (error) {
      log.warn(`placement round: ${errorMessage(error)}`);
    }
  }
}
