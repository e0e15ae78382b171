/**
 * A tiny run of every bench scenario, so the bench never rots: the real
 * app, workers and IRC server with a handful of samples each. It checks
 * only that each scenario produces numbers, never how fast: speed belongs
 * to `deno task bench`, not to tests on a shared machine.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { testClusterUrl } from "../support/database.ts";
import { runBench } from "../../bench/run.ts";
import { SMOKE } from "../../bench/scenarios/context.ts";
import { formatTable } from "../../bench/support/stats.ts";

Deno.test("every bench scenario produces its figures with baselines", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ircweb-bench-smoke-" });
  try {
    const results = await runBench({
      sizes: SMOKE,
      databaseUrl: testClusterUrl(),
      baselineSocketPath: `${dir}/baseline.sock`,
    });
    const table = formatTable(results);
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
