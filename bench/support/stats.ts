/**
 * Summaries of samples (percentiles), the figures a scenario reports, and
 * the table they are printed as.
 *
 * @module
 */

/** The value at percentile `p` (0-100) of `sorted` (ascending), nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Count, p50, p99, mean and max of some samples. */
export interface Summary {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

/** Summarises `samples` (any order). */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: sorted.length ? sum / sorted.length : NaN,
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

/** How a figure compares with its target: at most or at least. */
export type TargetOp = "<=" | ">=";

/**
 * A target a figure should meet. Performance targets are ratios to the raw
 * baseline measured in the same run (`ratio`), since the machine's own
 * speed moves from hour to hour; a figure with nothing to divide by (a
 * count of lost messages, a peer's figure) has a target `value` instead.
 */
export type Target = { op: TargetOp; ratio: number } | { op: TargetOp; value: number };

/** The ratio target `op ratio`, e.g. `ratioTarget("<=", 1.8)`. */
export function ratioTarget(op: TargetOp, ratio: number): Target {
  return { op, ratio };
}

/**
 * A figure measured elsewhere to compare with (The Lounge's memory on the
 * same machines): printed beside the figure, not measured in the run.
 */
export interface Peer {
  name: string;
  value: number;
  /** Where the figure comes from. */
  source: string;
}

/** One measured figure, with the raw baseline taken in the same run. */
export interface Figure {
  scenario: string;
  /** What was measured, e.g. `p50 at 20/s`. */
  figure: string;
  unit: string;
  value: number;
  /** The raw baseline in the same unit, or `null` when the figure has none. */
  baseline: number | null;
  /** How the baseline was taken. */
  baselineNote?: string;
  target?: Target;
  /** A peer's figure for the same thing, to beat. */
  peer?: Peer;
  /** Sample count or other context. */
  note?: string;
}

/** A figure with its ratio and verdict. */
export interface Result extends Figure {
  /** `value / baseline`, or `null` without a baseline. */
  ratio: number | null;
  /** Whether the target is met; `null` without a target. */
  met: boolean | null;
  /** Set when the scenario threw instead of measuring: its error, the row's only content. */
  error?: string;
}

/** What the p50 and p99 figures of {@link percentileFigures} share. */
export interface PercentilePair {
  scenario: string;
  /** The figure's name for `p50` and for `p99`. */
  name(percentile: "p50" | "p99"): string;
  unit: string;
  baselineNote: string;
  note?: string;
  p50Target?: Target;
  p99Target?: Target;
}

/** The p50 and the p99 figure of `app`'s samples, each against the same percentile of `baseline`'s. */
export function percentileFigures(pair: PercentilePair, app: Summary, baseline: Summary): Figure[] {
  return (["p50", "p99"] as const).map((p) => ({
    scenario: pair.scenario,
    figure: pair.name(p),
    unit: pair.unit,
    value: app[p],
    baseline: baseline[p],
    baselineNote: pair.baselineNote,
    target: p === "p50" ? pair.p50Target : pair.p99Target,
    note: pair.note,
  }));
}

/** Adds the ratio to the baseline and the verdict on the target. */
export function judge(figure: Figure): Result {
  const ratio = figure.baseline !== null && figure.baseline > 0 && Number.isFinite(figure.value)
    ? figure.value / figure.baseline
    : null;
  let met: boolean | null = null;
  const target = figure.target;
  if (target) {
    // A figure with lost samples is infinite, and so is its miss.
    const judged = "ratio" in target ? ratio : Number.isFinite(figure.value) ? figure.value : null;
    const bound = "ratio" in target ? target.ratio : target.value;
    met = judged !== null && (target.op === "<=" ? judged <= bound : judged >= bound);
  }
  return { ...figure, ratio, met };
}

/** A target as text: `<= 1.8x` for a ratio, `<= 0` for a value. */
export function formatTarget(target: Target | undefined): string {
  if (!target) return "-";
  return "ratio" in target ? `${target.op} ${target.ratio}x` : `${target.op} ${formatNumber(target.value)}`;
}

/** Rounds for display: 3 significant digits, no exponent for everyday sizes. */
export function formatNumber(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return value === null ? "-" : String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString("en-US");
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

/**
 * The results as an aligned text table: each row's figure, its baseline and
 * ratio, its target (a ratio, or a value for a figure without a baseline),
 * whether it is met, and a peer's figure where there is one. A scenario
 * that failed is a row of its own, FAILED, its error below the table.
 */
export function formatTable(results: readonly Result[]): string {
  const header = ["scenario", "figure", "value", "unit", "baseline", "ratio", "target", "met?", "peer"];
  const rows = results.map((r) => [
    r.scenario,
    r.figure,
    r.error === undefined ? formatNumber(r.value) : "-",
    r.unit,
    formatNumber(r.baseline),
    r.ratio === null ? "-" : `${r.ratio.toFixed(2)}x`,
    formatTarget(r.target),
    r.error !== undefined ? "FAILED" : r.met === null ? "-" : r.met ? "yes" : "NO",
    r.peer ? `${formatNumber(r.peer.value)} (${r.peer.name})` : "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const numeric = new Set([2, 4, 5]);
  const line = (cells: string[]) =>
    cells.map((cell, i) => numeric.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])).join("  ")
      .trimEnd();
  const errors = results.filter((r) => r.error !== undefined).map((r) => `${r.scenario} FAILED: ${r.error}`);
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line), ...errors].join("\n");
}
