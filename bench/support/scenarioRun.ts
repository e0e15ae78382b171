/**
 * One scenario of a bench run, so that one which throws is reported rather
 * than ending the run: its error is logged and it becomes a failed row,
 * and the scenarios after it still run.
 * @module
 */
import { type Figure, judge, type Result } from "./stats.ts";

/** Options of {@link runScenario}. */
export interface ScenarioRunOptions {
  log: (line: string) => void;
  /** An aborted run (Ctrl-C) ends at once: its errors are the interrupt's, not the scenario's. */
  signal?: AbortSignal;
  /** What else to log on a failure (the app's log). */
  context?: () => string;
}

/** Measures scenario `name`: its judged figures, or the one row of {@link failedScenario} if it throws. */
export async function runScenario(
  name: string,
  measure: () => Promise<Figure[]>,
  options: ScenarioRunOptions,
): Promise<Result[]> {
  try {
    return (await measure()).map(judge);
  } catch (error) {
    if (options.signal?.aborted) throw error;
    options.log(`${name} FAILED: ${error instanceof Error ? error.stack : error}`);
    if (options.context) options.log(options.context());
    return [failedScenario(name, error)];
  }
}

/**
 * The row of a scenario that threw before its figures: no value, not met,
 * its error as the note, so the run still prints and writes the others.
 */
export function failedScenario(scenario: string, error: unknown): Result {
  const message = error instanceof Error ? error.message : String(error);
  return {
    scenario,
    figure: "did not complete",
    unit: "",
    value: NaN,
    baseline: null,
    ratio: null,
    met: false,
    note: message,
    error: message,
  };
}
