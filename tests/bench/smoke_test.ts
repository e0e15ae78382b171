/**
 * A tiny run of every bench scenario, so the bench never rots: the real
 * app, workers and IRC server with a handful of samples each. It checks
 * only that each scenario produces numbers, never how fast: speed belongs
 * to `deno task bench`, not to tests on a shared machine. A scenario that
 * throws is a failed row of the run, and the run goes on.
 */
import { assert, assertEquals, assertRejects } from "../support/assert.ts";
import { testClusterUrl } from "../support/database.ts";
import { runBench } from "../../bench/run.ts";
import { SMOKE } from "../../bench/scenarios/context.ts";
import { formatTable } from "../../bench/support/stats.ts";
import { runScenario } from "../../bench/support/scenarioRun.ts";

Deno.test("every bench scenario produces its figures with baselines", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ircweb-bench-smoke-" });
  try {
    const results = await runBench({
      sizes: SMOKE,
      databaseUrl: testClusterUrl(),
      baselineSocketPath: `${dir}/baseline.sock`,
    });
    const table = formatTable(results);
    assertEquals(results.filter((r) => r.error !== undefined).map((r) => r.scenario), [], table);
    const scenarios = new Set(results.map((r) => r.scenario));
    assertEquals(
      [...scenarios].sort(),
      [
        "command latency",
        "connect time",
        "event latency",
        "fan-out",
        "ingest",
        "real IRC server",
        "scale-out",
        "search",
        "worker memory",
      ],
      table,
    );
    for (const result of results) {
      assert(Number.isFinite(result.value) && result.value >= 0, `no number for ${result.figure}:\n${table}`);
      if (result.baseline !== null) {
        assert(Number.isFinite(result.baseline) && result.baseline > 0, `no baseline for ${result.figure}`);
        assert(result.ratio !== null && Number.isFinite(result.ratio), `no ratio for ${result.figure}`);
      }
      assert(result.target === undefined || result.met !== null, `no verdict for ${result.figure}`);
    }
    for (const figure of ["networks, whole app", "per worker from source"]) {
      assert(results.some((r) => r.figure.includes(figure)), `no figure "${figure}":\n${table}`);
    }
    const lost = results.find((r) => r.scenario === "ingest" && r.figure === "lost");
    assertEquals(lost?.value, 0, `ingest lost lines:\n${table}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a scenario that throws is a failed row, logged, and the next one still measures", async () => {
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  const failed = await runScenario("scaleout", () => Promise.reject(new Error("did not settle")), {
    log,
    context: () => "the app said this",
  });
  const next = await runScenario(
    "memory",
    () => Promise.resolve([{ scenario: "worker memory", figure: "PSS", unit: "MiB", value: 3, baseline: 2 }]),
    { log },
  );
  assertEquals(failed.length, 1);
  assertEquals([failed[0].scenario, failed[0].error, failed[0].met], ["scaleout", "did not settle", false]);
  assertEquals([next[0].ratio, next[0].error], [1.5, undefined]);
  assert(lines[0].startsWith("scaleout FAILED: Error: did not settle"), lines[0]);
  assertEquals(lines[1], "the app said this");
  const table = formatTable([...failed, ...next]);
  assert(/^scaleout +did not complete .* FAILED /m.test(table), table);
  assert(table.endsWith("scaleout FAILED: did not settle"), table);

  // An interrupt's errors end the run: they are not the scenario's.
  const interrupted = new AbortController();
  interrupted.abort();
  await assertRejects(
    () =>
      runScenario("memory", () => Promise.reject(new Error("stopped")), { log, signal: interrupted.signal }),
    Error,
    "stopped",
  );
});
