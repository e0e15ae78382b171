/**
 * `deno task bench [--quick] [--only=connect,latency,fanout,inspircd,ingest,search,memory,scaleout]`:
 * measures the app end to end (its real web process, real workers, real
 * PostgreSQL, and the bench's IRC server) against raw baselines taken in
 * the same run; prints a table and writes `bench/results.json`.
 *
 * With `DATABASE_URL` set, a fresh database is created on that cluster
 * (and dropped after); otherwise an embedded cluster runs in a temporary
 * folder. See `bench/README.md` for the method and the figures.
 *
 * @module
 */
import { runBench, type ScenarioName, SCENARIOS } from "./run.ts";
import { FULL, QUICK } from "./scenarios/context.ts";
import { describeMachine } from "./support/processes.ts";
import { formatTable, formatTarget } from "./support/stats.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const RESULTS = `${ROOT}/bench/results.json`;

function parseArgs(args: string[]): { quick: boolean; only: ScenarioName[] | undefined } {
  let quick = false;
  let only: ScenarioName[] | undefined;
  for (const arg of args) {
    if (arg === "--quick") quick = true;
    else if (arg.startsWith("--only=")) {
      only = arg.slice(7).split(",").map((name) => {
        if (!(SCENARIOS as readonly string[]).includes(name)) {
          throw new Error(`unknown scenario ${name}; one of ${SCENARIOS.join(", ")}`);
        }
        return name as ScenarioName;
      });
    } else throw new Error(`unknown argument ${arg}; usage: deno task bench [--quick] [--only=a,b]`);
  }
  return { quick, only };
}

async function main(): Promise<void> {
  const { quick, only } = parseArgs(Deno.args);
  const started = performance.now();
  const log = (line: string) =>
    console.error(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
  const machine = await describeMachine();
  log(
    `${machine.cores} x ${machine.cpu}, ${machine.memoryGiB} GiB, load ${
      machine.loadAverage.join(" ")
    }; Deno ${machine.deno}${quick ? "; quick run" : ""}`,
  );
  await Deno.mkdir(`${ROOT}/tmp/bench`, { recursive: true });
  const sizes = quick ? QUICK : FULL;
  // Ctrl-C must not leave the app, 50 workers and a database running.
  const interrupted = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => interrupted.abort());
  }
  const results = await runBench({
    sizes,
    databaseUrl: Deno.env.get("DATABASE_URL") || undefined,
    baselineSocketPath: `${ROOT}/tmp/bench/baseline.sock`,
    only,
    log,
    signal: interrupted.signal,
  }).catch((error) => {
    if (!interrupted.signal.aborted) throw error;
    log("stopped");
    Deno.exit(130);
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(formatTable(results));
  const after = await describeMachine();
  await Deno.writeTextFile(
    RESULTS,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        quick,
        seconds: Math.round(seconds),
        machine: { ...machine, loadAverageAfter: after.loadAverage },
        sizes,
        results: results.map((r) => ({
          scenario: r.scenario,
          figure: r.figure,
          unit: r.unit,
          value: finite(r.value),
          baseline: r.baseline === null ? null : finite(r.baseline),
          ratio: r.ratio === null ? null : finite(r.ratio),
          target: r.target ? formatTarget(r.target) : null,
          target_op: r.target?.op ?? null,
          // Ratio to the same run's baseline; a value only where there is no baseline.
          target_ratio: r.target && "ratio" in r.target ? r.target.ratio : null,
          target_value: r.target && "value" in r.target ? r.target.value : null,
          met: r.met,
          peer: r.peer ?? null,
          baseline_method: r.baselineNote ?? null,
          note: r.note ?? null,
          error: r.error ?? null,
        })),
      },
      null,
      2,
    ) + "\n",
  );
  log(`done in ${seconds.toFixed(0)} s; wrote bench/results.json`);
  const failed = results.filter((r) => r.error !== undefined).map((r) => r.scenario);
  if (failed.length > 0) {
    log(`failed: ${failed.join(", ")} (their errors are above and in results.json)`);
    Deno.exit(1);
  }
}

// JSON has no Infinity (a figure with lost samples): keep it readable.
function finite(value: number): number | string {
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : String(value);
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    console.error(error instanceof Error ? error.stack : error);
    Deno.exit(1);
  }
}
