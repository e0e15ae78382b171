/**
 * Connect time: `POST /api/servers/:id/connect` until the user's event
 * stream says `connected` (the worker process is spawned, loads its
 * bundle, reads its server, listens on its socket, registers on IRC, and
 * its status write reaches the stream). Then it is disconnected, and again.
 * Beside it, workers the bench spawns itself from the bundle and from source.
 *
 * Baseline: spawning a bare `deno run` of an empty script until it exits.
 *
 * @module
 */
import { deferred, within } from "../support/pace.ts";
import { timeBareRun } from "../support/processes.ts";
import { openEventStream } from "../support/sseClient.ts";
import { type Figure, ratioTarget, summarize } from "../support/stats.ts";
import { ensureWorkerBundle, runsBundle, SOURCE_ENTRY, spawnWorkerFrom } from "../support/workerBundle.ts";
import type { ScenarioContext } from "./context.ts";

const SCENARIO = "connect time";
/** Connects before the samples, at most, waiting for the app's workers to run from its bundle. */
const WARM_UP_CONNECTS = 10;

/** Connect times and bare start-ups, ms. */
export interface ConnectResult {
  samples: number[];
  baseline: number[];
  /** How many of the app's connects ran their worker from the bundle (the rest from source). */
  bundled: number;
  /** Spawn to `connected` of workers the bench starts itself with the app's flags, alternating. */
  spawned: { bundle: number[]; source: number[] };
}

/** Times `sizes.connectSamples` connects of one server, as many bare `deno run`s, and the spawns. */
export async function runConnectTime(ctx: ScenarioContext): Promise<ConnectResult> {
  const { env, sizes } = ctx;
  // The app builds it at its start; a connect before it is ready would run from source.
  const bundle = await ensureWorkerBundle();
  await timeBareRun(); // warm Deno's cache of the script
  const baseline: number[] = [];
  for (let i = 0; i < sizes.connectSamples; i++) baseline.push(await timeBareRun());

  const server = await env.createServer("connector");
  const spawner = await env.createServer("spawner");
  let waiting: { id: number; resolve: (at: number) => void } | undefined;
  const stream = await openEventStream(env.baseUrl, env.token, (event, data, at) => {
    if (event !== "status") return;
    const status = JSON.parse(data) as { server_id: number; status: string };
    if (status.server_id === waiting?.id && status.status === "connected") waiting.resolve(at);
  });
  await Deno.mkdir(`${env.tmpDir}/spawned`, { mode: 0o700 });
  const samples: number[] = [];
  const spawned = { bundle: [] as number[], source: [] as number[] };
  let bundled = 0;
  const connected = (id: number) => {
    const done = deferred<number>();
    waiting = { id, resolve: done.resolve };
    return done.promise;
  };
  const connectOnce = async (): Promise<{ ms: number; bundled: boolean }> => {
    const heard = connected(server.id);
    const start = performance.now();
    await env.api("POST", `/api/servers/${server.id}/connect`, undefined, 202);
    const ms = await within(heard, 60_000, "the server to be connected") - start;
    waiting = undefined;
    const row = await env.waitForStatus(server.id, "connected");
    const bundled = row.pid !== null && await runsBundle(row.pid);
    await env.api("POST", `/api/servers/${server.id}/disconnect`, undefined, 202);
    await env.waitForStatus(server.id, "disconnected");
    return { ms, bundled };
  };
  try {
    await within(stream.ready, 30_000, "the event stream to be ready");
    // Not counted: until the app has found or built its bundle (at its start), its workers run from source.
    for (let i = 0; i < WARM_UP_CONNECTS && !(await connectOnce()).bundled; i++) {
      await new Promise((r) => setTimeout(r, 200));
    }
    for (let i = 0; i < sizes.connectSamples; i++) {
      const sample = await connectOnce();
      samples.push(sample.ms);
      if (sample.bundled) bundled++;
    }
    for (let i = 0; i < sizes.connectSamples; i++) {
      for (const [entry, into] of [[bundle, spawned.bundle], [SOURCE_ENTRY, spawned.source]] as const) {
        into.push(await timeSpawn(ctx, entry, spawner.id, () => connected(spawner.id)));
        waiting = undefined;
      }
    }
  } finally {
    await stream.close();
  }
  const list = (xs: number[]) => xs.map((s) => s.toFixed(0)).join(", ");
  ctx.log(
    `connect samples: ${list(samples)} (${bundled} from the bundle); bare: ${list(baseline)}; ` +
      `spawned from the bundle: ${list(spawned.bundle)}; from source: ${list(spawned.source)}`,
  );
  return { samples, baseline, bundled, spawned };
}

/** Spawn to `connected` of one worker the bench starts from `entry`; it is stopped (SIGTERM) after. */
async function timeSpawn(
  ctx: ScenarioContext,
  entry: string,
  serverId: number,
  connected: () => Promise<number>,
): Promise<number> {
  const { env } = ctx;
  const heard = connected();
  const start = performance.now();
  const child = spawnWorkerFrom(entry, {
    serverId,
    ircHost: "127.0.0.1",
    ircPort: env.irc.port,
    databaseUrl: env.databaseUrl,
    socketDir: `${env.tmpDir}/spawned`,
    logLevel: "warn",
  });
  try {
    return await within(heard, 60_000, "the spawned worker to be connected") - start;
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await env.waitForStatus(serverId, "disconnected");
  }
}

/** The scenario's figures. */
export function connectFigures(result: ConnectResult): Figure[] {
  const app = summarize(result.samples);
  const base = summarize(result.baseline);
  const baselineNote = "spawn of a bare deno run of an empty script, to its exit";
  const note = `${app.n} connects (${result.bundled} with the worker from the bundle); max ${
    Math.round(app.max)
  } ms`;
  const spawned = (from: "bundle" | "source"): Figure => {
    const s = summarize(result.spawned[from]);
    return {
      scenario: SCENARIO,
      figure: `worker spawned from the ${from}, to connected (median)`,
      unit: "ms",
      value: s.p50,
      baseline: base.p50,
      baselineNote,
      note: `${s.n} spawns by the bench with the app's flags, bundle and source alternating; max ${
        Math.round(s.max)
      } ms`,
    };
  };
  return [
    {
      scenario: SCENARIO,
      figure: "connect to connected (median)",
      unit: "ms",
      value: app.p50,
      baseline: base.p50,
      baselineNote,
      target: ratioTarget("<=", 10),
      note,
    },
    {
      scenario: SCENARIO,
      figure: "connect to connected (max)",
      unit: "ms",
      value: app.max,
      baseline: base.max,
      baselineNote,
      note,
    },
    spawned("bundle"),
    spawned("source"),
  ];
}
