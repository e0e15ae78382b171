/**
 * One bench run: starts the environment, runs every scenario in an order
 * that keeps them from disturbing each other, and returns the judged
 * figures. Used by `bench/main.ts` and by the smoke test.
 *
 * The steady 20/s probes (command, its baseline, event, its baseline) run
 * interleaved in one phase, a slot each 12.5 ms apart, so 2,000 samples of
 * each take 100 s rather than 400 s and no two probes ever overlap.
 *
 * @module
 */
import { type Environment, startEnvironment } from "./support/environment.ts";
import { runBackToBack, runPaced } from "./support/pace.ts";
import type { Figure, Result } from "./support/stats.ts";
import { runScenario } from "./support/scenarioRun.ts";
import { openChatServer, type ScenarioContext, type Sizes } from "./scenarios/context.ts";
import { commandFigures, setupCommandLatency } from "./scenarios/commandLatency.ts";
import { eventFigures, setupEventLatency } from "./scenarios/eventLatency.ts";
import { fanoutFigures, runFanout } from "./scenarios/fanout.ts";
import { ingestFigures, runIngest } from "./scenarios/ingest.ts";
import { memoryFigures, runWorkerMemory } from "./scenarios/workerMemory.ts";
import { connectFigures, runConnectTime } from "./scenarios/connectTime.ts";
import { runSearch, searchFigures } from "./scenarios/search.ts";
import { realServerFigures, runRealServer } from "./scenarios/realServer.ts";
import { runScaleOut, scaleOutFigures } from "./scenarios/scaleOut.ts";

/** The scenarios, in the order they run. */
export const SCENARIOS = [
  "connect",
  "latency",
  "fanout",
  "inspircd",
  "ingest",
  "search",
  "memory",
  "scaleout",
] as const;
/** A scenario's name (`latency` is command and event latency, run together). */
export type ScenarioName = typeof SCENARIOS[number];

/** Options of {@link runBench}. */
export interface BenchOptions {
  sizes: Sizes;
  /** A cluster to create the bench's database on; embedded when absent. */
  databaseUrl?: string;
  /** Absolute path of the baseline's Unix socket (the bench's permissions name it). */
  baselineSocketPath: string;
  /** Extra `deno run` flags of the web process (`--cpu-prof` and such). */
  appFlags?: string[];
  /** Only these scenarios (all by default). */
  only?: readonly ScenarioName[];
  log?: (line: string) => void;
  /** Aborting it stops everything the run started (the app, its workers, the database) at once. */
  signal?: AbortSignal;
}

/**
 * Runs the bench; the environment is stopped whatever happens. A scenario
 * that throws is logged (with the app's log) and becomes a failed row
 * (`runScenario`) and the others still run; only an interrupt, or
 * an environment that cannot start, ends the run with an error.
 */
export async function runBench(options: BenchOptions): Promise<Result[]> {
  const log = options.log ?? (() => {});
  const only = new Set(options.only ?? SCENARIOS);
  const env = await startEnvironment({ databaseUrl: options.databaseUrl, appFlags: options.appFlags, log });
  const interrupt = () => {
    log("interrupted: stopping the app, its workers and the database");
    env.close();
  };
  options.signal?.addEventListener("abort", interrupt, { once: true });
  if (options.signal?.aborted) interrupt();
  const ctx: ScenarioContext = { env, sizes: options.sizes, log };
  const results: Result[] = [];
  const context = () => `the app's log:\n${env.appLog().slice(-4000)}`;
  const scenario = async (name: ScenarioName, measure: () => Promise<Figure[]>) => {
    if (only.has(name)) {
      results.push(...await runScenario(name, measure, { log, signal: options.signal, context }));
    }
  };
  try {
    await scenario("connect", async () => {
      log("connect time...");
      return connectFigures(await runConnectTime(ctx));
    });
    if (only.has("latency") || only.has("fanout")) {
      // Both talk through one server; if it cannot be opened, both fail with its error.
      const chat = openChatServer(env, "bench", "#bench");
      chat.catch(() => {});
      await scenario("latency", async () => latency(ctx, await chat, options.baselineSocketPath));
      await scenario("fanout", async () => {
        log("fan-out, one stream...");
        const one = await runFanout(ctx, await chat, 1, "A");
        log(`fan-out, ${options.sizes.fanoutClients} streams...`);
        const many = await runFanout(ctx, await chat, options.sizes.fanoutClients, "B");
        return fanoutFigures(many, one, options.sizes.fanoutRate);
      });
      await chat.then(
        (opened) => env.api("POST", `/api/servers/${opened.server.id}/disconnect`, undefined, 202),
        () => {},
      ).catch((error) => log(`the latency and fan-out server did not disconnect: ${error}`));
    }
    await scenario("inspircd", async () => {
      log("latency through a real IRC server (InspIRCd)...");
      return realServerFigures(await runRealServer(ctx));
    });
    await scenario("ingest", async () => {
      log("ingest...");
      return ingestFigures(await runIngest(ctx));
    });
    await scenario("search", async () => {
      log("search...");
      return searchFigures(await runSearch(ctx));
    });
    await scenario("memory", async () => {
      log("worker memory...");
      return memoryFigures(await runWorkerMemory(ctx));
    });
    // On an app and a database of its own: the networks the others leave connected are not placed with its own.
    await scenario("scaleout", async () => {
      log("scale-out...");
      return scaleOutFigures(await runScaleOut(ctx));
    });
  } finally {
    options.signal?.removeEventListener("abort", interrupt);
    await env.close();
  }
  return results;
}

async function latency(
  ctx: ScenarioContext,
  chat: Awaited<ReturnType<typeof openChatServer>>,
  socket: string,
) {
  const { sizes, log } = ctx;
  const command = await setupCommandLatency(ctx, chat, socket);
  const event = await setupEventLatency(ctx, chat);
  try {
    // Warm both paths (JIT, connections, caches) before anything counts.
    for (let i = 0; i < 20; i++) {
      await command.app();
      await command.baseline();
      await event.app();
      await event.baseline();
    }
    const n = Math.max(sizes.commandSamples, sizes.eventSamples);
    log(
      `command and event latency at ${sizes.pacedRate}/s, ${n} samples each (${
        Math.round(n / sizes.pacedRate)
      } s)...`,
    );
    const [cmdApp, cmdBase, evApp, evBase] = await runPaced(
      [command.app, command.baseline, event.app, event.baseline],
      sizes.pacedRate,
      n,
    );
    log("command latency back to back...");
    const b2bApp = await runBackToBack(command.app, sizes.commandSamples);
    const b2bBase = await runBackToBack(command.baseline, sizes.commandSamples);
    log(`event latency at ${sizes.eventFastRate}/s...`);
    const fastApp = await event.appAtRate(sizes.eventFastSamples, sizes.eventFastRate);
    const fastBase = await event.baselineAtRate(sizes.eventFastSamples, sizes.eventFastRate);
    return [
      ...commandFigures(
        { app: cmdApp.slice(0, sizes.commandSamples), baseline: cmdBase, rate: sizes.pacedRate },
        { app: b2bApp, baseline: b2bBase },
      ),
      ...eventFigures(
        { app: evApp.slice(0, sizes.eventSamples), baseline: evBase, rate: sizes.pacedRate },
        { app: fastApp, baseline: fastBase, rate: sizes.eventFastRate },
      ),
    ];
  } finally {
    await command.close();
    await event.close();
  }
}

export type { Environment };
