/**
 * Memory (PSS: private pages plus a share of those shared, such as the Deno
 * binary's): idle connected workers, one per network, and the web process;
 * a user's 10 networks on a fresh app, the whole of it, beside The Lounge;
 * workers from source beside the app's (bundled) ones. Baseline: bare `deno run`s.
 *
 * @module
 */
import { sql } from "kysely";
import { type IdleProcess, killable, parentPids, pssMiB, spawnIdle } from "../support/processes.ts";
import { type Figure, type Peer, ratioTarget, summarize } from "../support/stats.ts";
import { type Environment, type ServerInfo, startEnvironment } from "../support/environment.ts";
import { ensureWorkerBundle, runsBundle, SOURCE_ENTRY, spawnWorkerFrom } from "../support/workerBundle.ts";
import type { ScenarioContext } from "./context.ts";

const SCENARIO = "worker memory";
const BARE_PROCESSES = 3;

/**
 * The Lounge 4.5.2 with 10 networks, all of it (one Node process), measured
 * on these machines for issue #20; it runs every network in one process.
 */
export const THE_LOUNGE_10_NETWORKS: Peer = {
  name: "The Lounge 4.5.2",
  value: 94.6,
  source: "issue #20: 94.6-98 MiB PSS for 10 networks, measured on these machines",
};

/** PSS (MiB) of a whole app serving one user's networks. */
export interface NetworksMemory {
  networks: number;
  app: number;
  workers: number[];
  /** How many of the workers run from the bundle. */
  bundled: number;
  /** The backends serving the app's database, and the cluster's own processes; `NaN` if unreadable. */
  postgres: { backends: number; cluster: number; processes: number };
}

/** What was measured. */
export interface MemoryResult {
  workers: number[];
  app: number;
  bare: number[];
  /** How long connecting every worker took, ms. */
  connectAllMs: number;
  networks: NetworksMemory;
  /** Workers started by the bench from the worker's source, as before the bundle, connected beside the others. */
  fromSource: number[];
  /** How many of the app's workers run from the bundle (the rest from source: it was not ready). */
  bundledWorkers: number;
}

/**
 * Measures a user with `sizes.networks` networks on a fresh app first (while
 * few other Deno processes share the binary's pages), then connects
 * `sizes.memoryWorkers` servers on the bench's app, lets them idle, and
 * reads everyone's PSS.
 */
export async function runWorkerMemory(ctx: ScenarioContext): Promise<MemoryResult> {
  const { env, sizes } = ctx;
  await ensureWorkerBundle();
  const networks = await runNetworks(ctx);
  const servers: ServerInfo[] = [];
  for (let i = 0; i < sizes.memoryWorkers; i++) servers.push(await env.createServer(`mem${i}`));
  const start = performance.now();
  const connected = await connectAll(env, servers);
  const connectAllMs = performance.now() - start;
  ctx.log(`${connected.length} workers connected in ${Math.round(connectAllMs)} ms`);
  const fromSource = await startSourceWorkers(ctx, Math.min(sizes.networks, sizes.memoryWorkers));
  ctx.log(`${fromSource.length} workers from source connected; idling`);
  const bare: IdleProcess[] = Array.from({ length: BARE_PROCESSES }, () => spawnIdle());
  try {
    await new Promise((r) => setTimeout(r, sizes.memoryIdleMs));
    const pids = workerPids(connected);
    const bundledWorkers = await countBundled(pids);
    const pss = await pssMiB([
      ...pids,
      env.appPid,
      ...bare.map((b) => b.pid),
      ...fromSource.map((b) => b.pid),
    ]);
    return {
      workers: pids.map((pid) => pss.get(pid)!),
      app: pss.get(env.appPid)!,
      bare: bare.map((b) => pss.get(b.pid)!),
      connectAllMs,
      networks,
      fromSource: fromSource.map((b) => pss.get(b.pid)!),
      bundledWorkers,
    };
  } finally {
    await Promise.all([...bare, ...fromSource].map((p) => p.stop()));
  }
}

/** How many of `pids` run from a bundle. */
async function countBundled(pids: number[]): Promise<number> {
  return (await Promise.all(pids.map(runsBundle))).filter(Boolean).length;
}

/**
 * Starts `count` workers from the worker's source (as before the bundle),
 * on servers of their own that the app does not connect, and waits until
 * each is connected. They log in as the bench's app does, not as worker
 * roles: the same code.
 */
async function startSourceWorkers(ctx: ScenarioContext, count: number): Promise<IdleProcess[]> {
  const { env } = ctx;
  const socketDir = `${env.tmpDir}/from-source`;
  await Deno.mkdir(socketDir, { mode: 0o700 });
  const workers: IdleProcess[] = [];
  try {
    const servers: ServerInfo[] = [];
    for (let i = 0; i < count; i++) servers.push(await env.createServer(`src${i}`));
    for (const server of servers) {
      workers.push(killable(spawnWorkerFrom(SOURCE_ENTRY, {
        serverId: server.id,
        ircHost: "127.0.0.1",
        ircPort: env.irc.port,
        databaseUrl: env.databaseUrl,
        socketDir,
        logLevel: "warn",
      })));
    }
    await Promise.all(servers.map((s) => env.waitForStatus(s.id, "connected", 120_000)));
    return workers;
  } catch (error) {
    await Promise.all(workers.map((w) => w.stop()));
    throw error;
  }
}

async function connectAll(env: Environment, servers: ServerInfo[]): Promise<ServerInfo[]> {
  await Promise.all(servers.map((s) => env.api("POST", `/api/servers/${s.id}/connect`, undefined, 202)));
  return await Promise.all(servers.map((s) => env.waitForStatus(s.id, "connected", 120_000)));
}

function workerPids(servers: ServerInfo[]): number[] {
  const pids = servers.map((s) => s.pid).filter((pid): pid is number => pid !== null);
  if (pids.length !== servers.length) throw new Error("a connected server has no worker pid");
  return pids;
}

/**
 * A user's whole app, as one user runs it: a fresh app process on a fresh
 * database of the same cluster, its `sizes.networks` workers connected to
 * the bench's IRC server and idle, and PostgreSQL: the backends of that
 * database and the cluster's own processes (its postmaster, writers,
 * launchers). On a cluster shared with others those serve them too.
 */
async function runNetworks(ctx: ScenarioContext): Promise<NetworksMemory> {
  const { env, sizes, log } = ctx;
  const fresh = await startEnvironment({ databaseUrl: env.databaseUrl, irc: env.irc });
  try {
    const servers: ServerInfo[] = [];
    for (let i = 0; i < sizes.networks; i++) servers.push(await fresh.createServer(`net${i}`));
    const pids = workerPids(await connectAll(fresh, servers));
    log(`${sizes.networks} networks connected on a fresh app; idling`);
    await new Promise((r) => setTimeout(r, sizes.memoryIdleMs));
    const { rows: activity } = await sql<{
      pid: number;
      datname: string | null;
      backend_type: string;
      application_name: string;
    }>`select pid, datname, backend_type, application_name from pg_stat_activity`.execute(fresh.db);
    const database = new URL(fresh.databaseUrl).pathname.slice(1);
    // Not the bench's own pool, which a user's app does not have.
    const backends = activity.filter((a) =>
      a.datname === database && a.backend_type === "client backend" && a.application_name !== "ircweb-bench"
    ).map((a) => a.pid);
    const cluster = activity.filter((a) => a.backend_type !== "client backend").map((a) => a.pid);
    const postmaster = (await parentPids(cluster.slice(0, 1))).get(cluster[0]);
    if (postmaster !== undefined && Number.isFinite(postmaster)) cluster.push(postmaster);
    const pss = await pssMiB([fresh.appPid, ...pids, ...backends, ...cluster]);
    const sum = (list: number[]) => list.reduce((total, pid) => total + pss.get(pid)!, 0);
    return {
      networks: sizes.networks,
      app: pss.get(fresh.appPid)!,
      workers: pids.map((pid) => pss.get(pid)!),
      bundled: await countBundled(pids),
      postgres: {
        backends: sum(backends),
        cluster: sum(cluster),
        processes: backends.length + cluster.length,
      },
    };
  } finally {
    await fresh.close();
  }
}

/** The scenario's figures, with the targets of issue #20. */
export function memoryFigures(result: MemoryResult): Figure[] {
  const workers = summarize(result.workers);
  const bare = summarize(result.bare);
  const baselineNote = `deno run of an empty script (median of ${result.bare.length})`;
  const note = `${workers.n} idle connected workers (${result.bundledWorkers} from the bundle); ` +
    `total ${workers.mean * workers.n | 0} MiB; all connected in ${Math.round(result.connectAllMs)} ms`;
  const n = result.networks;
  const workersTotal = n.workers.reduce((a, b) => a + b, 0);
  const postgres = n.postgres.backends + n.postgres.cluster;
  const mib = (x: number) => x.toFixed(1);
  return [
    {
      scenario: SCENARIO,
      figure: "PSS per worker (median)",
      unit: "MiB",
      value: workers.p50,
      baseline: bare.p50,
      baselineNote,
      target: ratioTarget("<=", 1.5),
      note,
    },
    {
      scenario: SCENARIO,
      figure: "PSS per worker (max)",
      unit: "MiB",
      value: workers.max,
      baseline: bare.p50,
      baselineNote,
      note,
    },
    {
      scenario: SCENARIO,
      figure: "PSS per worker from source (median)",
      unit: "MiB",
      value: summarize(result.fromSource).p50,
      baseline: bare.p50,
      baselineNote,
      note: `${result.fromSource.length} workers started by the bench from workers/ircWorker.ts (as before ` +
        "the bundle), with the app's flags, connected beside the others",
    },
    {
      scenario: SCENARIO,
      figure: "PSS of the web process",
      unit: "MiB",
      value: result.app,
      baseline: bare.p50,
      baselineNote:
        `${baselineNote}; the web process after every scenario before (the fan-out's 1,000 streams)`,
      target: ratioTarget("<=", 8),
    },
    {
      scenario: SCENARIO,
      figure: `${n.networks} networks, whole app`,
      unit: "MiB",
      // Without a reading of PostgreSQL (not ours to read), the rest is still a floor.
      value: n.app + workersTotal + (Number.isFinite(postgres) ? postgres : 0),
      baseline: null,
      // The Lounge's figure is for 10 networks: beside a smaller run it would mislead.
      ...(n.networks === 10
        ? { peer: THE_LOUNGE_10_NETWORKS, target: { op: "<=", value: THE_LOUNGE_10_NETWORKS.value } }
        : {}),
      note: `a fresh app: web ${mib(n.app)} + ${n.workers.length} workers (${n.bundled} from the bundle) ${
        mib(workersTotal)
      } + PostgreSQL ${mib(postgres)} (${mib(n.postgres.backends)} in this database's backends, ${
        mib(n.postgres.cluster)
      } in the cluster's own processes; ${n.postgres.processes} processes)`,
    },
  ];
}
