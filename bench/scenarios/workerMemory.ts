/**
 * Worker memory: many connected, idle workers (one per network, as a user
 * with many networks has), each one's proportional set size (PSS: private
 * pages plus its share of pages shared with the others, such as the Deno
 * binary), and the web process's own.
 *
 * Baseline: bare `deno run` processes of an empty script, alive at the
 * same time (so they share pages the same way).
 *
 * @module
 */
import { type IdleProcess, pssMiB, spawnIdle } from "../support/processes.ts";
import { type Figure, summarize } from "../support/stats.ts";
import type { ServerInfo } from "../support/environment.ts";
import type { ScenarioContext } from "./context.ts";

const SCENARIO = "worker memory";
const BARE_PROCESSES = 3;

/** What was measured. */
export interface MemoryResult {
  workers: number[];
  app: number;
  bare: number[];
  /** How long connecting every worker took, ms. */
  connectAllMs: number;
}

/** Connects `sizes.memoryWorkers` servers, lets them idle, and reads everyone's PSS. */
export async function runWorkerMemory(ctx: ScenarioContext): Promise<MemoryResult> {
  const { env, sizes } = ctx;
  const servers: ServerInfo[] = [];
  for (let i = 0; i < sizes.memoryWorkers; i++) servers.push(await env.createServer(`mem${i}`));
  const start = performance.now();
  await Promise.all(servers.map((s) => env.api("POST", `/api/servers/${s.id}/connect`, undefined, 202)));
  const connected = await Promise.all(servers.map((s) => env.waitForStatus(s.id, "connected", 120_000)));
  const connectAllMs = performance.now() - start;
  ctx.log(`${connected.length} workers connected in ${Math.round(connectAllMs)} ms; idling`);
  const bare: IdleProcess[] = Array.from({ length: BARE_PROCESSES }, () => spawnIdle());
  try {
    await new Promise((r) => setTimeout(r, sizes.memoryIdleMs));
    const pids = connected.map((s) => s.pid).filter((pid): pid is number => pid !== null);
    if (pids.length !== connected.length) throw new Error("a connected server has no worker pid");
    const pss = await pssMiB([...pids, env.appPid, ...bare.map((b) => b.pid)]);
    return {
      workers: pids.map((pid) => pss.get(pid)!),
      app: pss.get(env.appPid)!,
      bare: bare.map((b) => pss.get(b.pid)!),
      connectAllMs,
    };
  } finally {
    await Promise.all(bare.map((b) => b.stop()));
  }
}

/** The scenario's figures. */
export function memoryFigures(result: MemoryResult): Figure[] {
  const workers = summarize(result.workers);
  const bare = summarize(result.bare);
  const baselineNote = `deno run of an empty script (median of ${result.bare.length})`;
  const note = `${workers.n} idle connected workers; total ${workers.mean * workers.n | 0} MiB; ` +
    `all connected in ${Math.round(result.connectAllMs)} ms`;
  return [
    {
      scenario: SCENARIO,
      figure: "PSS per worker (median)",
      unit: "MiB",
      value: workers.p50,
      baseline: bare.p50,
      baselineNote,
      target: { op: "<=", value: 30 },
      note,
    },
    {
      scenario: SCENARIO,
      figure: "PSS per worker (max)",
      unit: "MiB",
      value: workers.max,
      baseline: bare.p50,
      baselineNote,
      target: { op: "<=", value: 30 },
      note,
    },
    {
      scenario: SCENARIO,
      figure: "PSS of the web process",
      unit: "MiB",
      value: result.app,
      baseline: bare.p50,
      baselineNote,
    },
  ];
}
