/**
 * How long to wait before restarting a worker that died: about 1 s, doubling
 * with each crash up to 60 s, and back to the start once a worker has run
 * for a stable minute. A worker that dies at once (a bad database, a broken
 * build) is then retried ever more rarely instead of spinning.
 *
 * @module
 */
import { backoffDelay } from "../backoff.ts";

/** The restart delays. */
export interface RestartPolicy {
  /** Wait after the first crash. */
  minMs: number;
  /** Longest wait. */
  maxMs: number;
  /** A worker that ran this long before dying starts over at `minMs`. */
  stableMs: number;
}

/** About 1 s doubling to 60 s, reset after a stable minute. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = { minMs: 1000, maxMs: 60_000, stableMs: 60_000 };

/** The crash count of one server's worker, turned into waits. */
export class RestartBackoff {
  readonly #policy: RestartPolicy;
  readonly #now: () => number;
  #crashes = 0;

  /** `now` is a monotonic clock in milliseconds (`performance.now` by default). */
  constructor(policy: RestartPolicy = DEFAULT_RESTART_POLICY, now: () => number = () => performance.now()) {
    this.#policy = policy;
    this.#now = now;
  }

  /** The wait before restarting a worker that was started at `startedAt` and just died. */
  next(startedAt: number): number {
    if (this.#now() - startedAt >= this.#policy.stableMs) this.#crashes = 0;
    const wait = backoffDelay(this.#crashes, { baseMs: this.#policy.minMs, maxMs: this.#policy.maxMs });
    // Past the cap the count no longer matters; keep it from growing without end.
    if (wait < this.#policy.maxMs) this.#crashes += 1;
    return wait;
  }
}
