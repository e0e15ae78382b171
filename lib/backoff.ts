/**
 * Exponential backoff: the one formula behind every retry of the app and
 * its workers (reconnects, restarts, writes retried through an outage).
 *
 * @module
 */

/** The shape of a backoff. */
export interface BackoffOptions {
  /** Wait before the first retry (attempt 0). */
  baseMs: number;
  /** Longest wait. */
  maxMs: number;
  /**
   * Spread each wait at random over its upper half, so that many clients
   * that failed together do not retry together.
   */
  jitter?: boolean;
}

// 2 ** 1024 is Infinity, and 0 * Infinity NaN: past this the cap rules anyway.
const MAX_EXPONENT = 52;

/**
 * The wait before retry number `attempt` (0 for the first): `baseMs`
 * doubling with each attempt up to `maxMs`; with `jitter`, a random wait
 * between half of that and all of it (rounded). `random` is `Math.random`
 * unless a test fixes it.
 */
export function backoffDelay(
  attempt: number,
  { baseMs, maxMs, jitter = false }: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), MAX_EXPONENT);
  const wait = Math.min(maxMs, baseMs * 2 ** exponent);
  return jitter ? Math.round(wait / 2 + random() * wait / 2) : wait;
}
