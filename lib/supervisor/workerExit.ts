/**
 * What a worker's exit that nobody asked for means: a disconnect, an end
 * with a reason for the user, or a crash to restart after a wait.
 *
 * @module
 */
import type { ServerUpdate } from "../db/schema.ts";
import { describeExit } from "./workerProcess.ts";
import { WORKER_EXIT_START_FAILED } from "./workerLaunch.ts";
import { NO_WORKER } from "./leftoverWorkers.ts";

/**
 * What to do after an unexpected exit: `stopped`, the worker quit by itself
 * (the user's `/quit`), to record as a disconnect; `ended`, it is not to be
 * restarted, `patch` says why; `restart` after `waitMs`, `patch` says so.
 */
export type ExitOutcome =
  | { kind: "stopped" }
  | { kind: "ended"; patch: ServerUpdate }
  | { kind: "restart"; waitMs: number; patch: ServerUpdate };

/** How an exit is judged: what the worker said, and what restarting would cost. */
export interface ExitFacts {
  status: Deno.CommandStatus;
  /** Whether it said V8 ran out of heap. */
  outOfMemory: boolean;
  /** Its heap ceiling in MB, to name in the reason. */
  memoryMb: number;
  /** The wait before a restart, asked only when it comes to one (it counts the restart). */
  restartInMs(): number;
}

/** The outcome of the exit `facts` describe. */
export function exitOutcome(facts: ExitFacts): ExitOutcome {
  const { status } = facts;
  if (facts.outOfMemory) {
    // Restarting would only meet the same flood again: the user decides.
    return {
      kind: "ended",
      patch: {
        ...NO_WORKER,
        status: "error",
        last_error: `The IRC worker ran out of memory (limit ${facts.memoryMb} MB); connect again to retry`,
      },
    };
  }
  // It quit by itself: a `quit` sent straight to its socket (the user's
  // /quit). That is a disconnect, not a crash.
  if (status.code === 0) return { kind: "stopped" };
  if (status.code === WORKER_EXIT_START_FAILED) {
    return {
      kind: "ended",
      patch: {
        ...NO_WORKER,
        status: "error",
        last_error: "The IRC worker could not start; the app log says why",
      },
    };
  }
  const wait = facts.restartInMs();
  return {
    kind: "restart",
    waitMs: wait,
    patch: {
      ...NO_WORKER,
      status: "reconnecting",
      last_error: `The IRC worker stopped unexpectedly (${describeExit(status)}); restarting in ${
        formatSeconds(wait)
      }`,
    },
  };
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
