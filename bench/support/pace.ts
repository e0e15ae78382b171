/**
 * Timing loops: closed-loop probes run in rotation at a steady rate, and
 * open-loop sends at a fixed rate whose completions are measured apart.
 *
 * @module
 */

/** One measurement: resolves with the latency of one sample in ms. */
export type Probe = () => Promise<number>;

/** Sleeps until `performance.now()` reaches `when`. */
export async function sleepUntil(when: number): Promise<void> {
  const wait = when - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

/**
 * Runs `probes` in rotation, each `rate` times a second, `count` times:
 * their slots are spread evenly, so at 20/s with four probes one starts
 * every 12.5 ms and never two at once. Returns the samples of each probe.
 */
export async function runPaced(probes: readonly Probe[], rate: number, count: number): Promise<number[][]> {
  const samples = probes.map(() => [] as number[]);
  const slot = 1000 / rate / probes.length;
  const start = performance.now() + 20;
  for (let round = 0; round < count; round++) {
    for (let p = 0; p < probes.length; p++) {
      await sleepUntil(start + (round * probes.length + p) * slot);
      samples[p].push(await probes[p]());
    }
  }
  return samples;
}

/** Runs `probe` `count` times, each right after the previous one. */
export async function runBackToBack(probe: Probe, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) samples.push(await probe());
  return samples;
}

/**
 * Calls `send(i)` for `i` in `0..count-1` at `rate` per second whatever
 * happens to earlier ones (open loop), catching up in bursts when a timer
 * fires late; resolves once the last one was sent.
 */
export async function sendAtRate(
  count: number,
  rate: number,
  send: (index: number) => void,
): Promise<void> {
  const interval = 1000 / rate;
  const start = performance.now() + 5;
  let next = 0;
  while (next < count) {
    await sleepUntil(start + next * interval);
    const now = performance.now();
    while (next < count && start + next * interval <= now) send(next++);
  }
}

/** A promise with its resolver, for waiting on one sample. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => resolve = r);
  return { promise, resolve };
}

/** Rejects with `what` after `ms`, unless `promise` settles first. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) =>
        timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
