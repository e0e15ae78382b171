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

/** A target a figure should meet: at most or at least `value`. */
export interface Target {
  op: "<=" | ">=";
  value: number;
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
  /** Sample count or other context. */
  note?: string;
}

/** A figure with its ratio and verdict. */
export interface Result extends Figure {
  /** `value / baseline`, or `null` without a baseline. */
  ratio: number | null;
  /** Whether the target is met; `null` without a target. */
  met: boolean | null;
}

/** Adds the ratio to the baseline and the verdict on the target. */
export function judge(figure: Figure): Result {
  const ratio = figure.baseline !== null && figure.baseline > 0 && Number.isFinite(figure.value)
    ? figure.value / figure.baseline
    : null;
  let met: boolean | null = null;
  if (figure.target) {
    met = Number.isFinite(figure.value) &&
      (figure.target.op === "<=" ? figure.value <= figure.target.value : figure.value >= figure.target.value);
  }
  return { ...figure, ratio, met };
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

/** The results as an aligned text table. */
export function formatTable(results: readonly Result[]): string {
  const header = ["scenario", "figure", "value", "unit", "baseline", "ratio", "target", "met?"];
  const rows = results.map((r) => [
    r.scenario,
    r.figure,
    formatNumber(r.value),
    r.unit,
    formatNumber(r.baseline),
    r.ratio === null ? "-" : `${r.ratio.toFixed(2)}x`,
    r.target ? `${r.target.op} ${formatNumber(r.target.value)}` : "-",
    r.met === null ? "-" : r.met ? "yes" : "NO",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const numeric = new Set([2, 4, 5]);
  const line = (cells: string[]) =>
    cells.map((cell, i) => numeric.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])).join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
