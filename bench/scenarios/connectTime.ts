/**
 * Connect time: `POST /api/servers/:id/connect` until the user's event
 * stream says `connected` (the worker process is spawned, loads its
 * modules, reads its server, listens on its socket, registers on IRC, and
 * its status write reaches the stream). Then it is disconnected, and again.
 *
 * Baseline: spawning a bare `deno run` of an empty script until it exits.
 *
 * @module
 */
import { deferred, within } from "../support/pace.ts";
import { timeBareRun } from "../support/processes.ts";
import { openEventStream } from "../support/sseClient.ts";
import { type Figure, ratioTarget, summarize } from "../support/stats.ts";
import type { ScenarioContext } from "./context.ts";

const SCENARIO = "connect time";

/** Connect times and bare start-ups, ms. */
export interface ConnectResult {
  samples: number[];
  baseline: number[];
}

/** Times `sizes.connectSamples` connects of one server, and as many bare `deno run`s. */
export async function runConnectTime(ctx: ScenarioContext): Promise<ConnectResult> {
  const { env, sizes } = ctx;
  await timeBareRun(); // warm Deno's cache of the script
  const baseline: number[] = [];
  for (let i = 0; i < sizes.connectSamples; i++) baseline.push(await timeBareRun());

  const server = await env.createServer("connector");
  let waiting: ((at: number) => void) | undefined;
  const stream = await openEventStream(env.baseUrl, env.token, (event, data, at) => {
    if (event !== "status") return;
    const status = JSON.parse(data) as { server_id: number; status: string };
    if (status.server_id === server.id && status.status === "connected") waiting?.(at);
  });
  const samples: number[] = [];
  try {
    await within(stream.ready, 30_000, "the event stream to be ready");
    for (let i = 0; i < sizes.connectSamples; i++) {
      const connected = deferred<number>();
      waiting = connected.resolve;
      const start = performance.now();
      await env.api("POST", `/api/servers/${server.id}/connect`, undefined, 202);
      samples.push(await within(connected.promise, 60_000, "the server to be connected") - start);
      waiting = undefined;
      await env.api("POST", `/api/servers/${server.id}/disconnect`, undefined, 202);
      await env.waitForStatus(server.id, "disconnected");
    }
  } finally {
    await stream.close();
  }
  ctx.log(
    `connect samples: ${samples.map((s) => s.toFixed(0)).join(", ")}; bare: ${
      baseline.map((s) => s.toFixed(0)).join(", ")
    }`,
  );
  return { samples, baseline };
}

/** The scenario's figures. */
export function connectFigures(result: ConnectResult): Figure[] {
  const app = summarize(result.samples);
  const base = summarize(result.baseline);
  const baselineNote = "spawn of a bare deno run of an empty script, to its exit";
  const note = `${app.n} connects; max ${Math.round(app.max)} ms`;
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
  ];
}
