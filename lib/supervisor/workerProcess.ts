/**
 * Helpers for the worker subprocesses the supervisor runs: their output
 * into the app's log, signals, and bounded waits for them to end.
 *
 * @module
 */
import { errorMessage, logger } from "../log.ts";

const log = logger("supervisor");

/** How long a `quit` through a worker's socket may take to be answered. */
export const QUIT_REPLY_MS = 2000;

/**
 * Writes a worker's output to the app's log under the worker's tag (each
 * line to `onLine` too); resolves at its end.
 */
export function forwardOutput(
  serverId: number,
  stream: ReadableStream<Uint8Array>,
  level: "info" | "error",
  onLine?: (line: string) => void,
): Promise<void> {
  const tagged = logger(`worker ${serverId}`);
  // The worker's own log lines carry their time, level and tag already.
  const ownLine = new RegExp(`^\\S+ (debug|info|warn|error) \\[worker ${serverId}\\] `);
  const write = (line: string) => {
    if (line === "") return;
    onLine?.(line);
    if (ownLine.test(line)) console.error(line);
    else tagged[level](line);
  };
  return (async () => {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of stream) {
      const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n");
      rest = lines.pop()!;
      lines.forEach(write);
    }
    write(rest + decoder.decode());
  })().catch(() => {/* the pipe closed with the process */});
}

/** Sends `name` to `child`; one already gone is no error. */
export function signalChild(child: Deno.ChildProcess, name: Deno.Signal): void {
  try {
    child.kill(name);
  } catch { /* already gone */ }
}

/**
 * Kills a process that is not our child (a worker of an earlier run). Needs
 * full `--allow-run`, which the app has; elsewhere the failure is only logged.
 */
export function killPid(pid: number): void {
  try {
    Deno.kill(pid, "SIGKILL");
  } catch (error) {
    log.warn(`could not kill pid ${pid}: ${errorMessage(error)}`);
  }
}

/** Whether `promise` settled within `ms`. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Checks every 50 ms until `check` holds or `ms` have passed; whether it held. */
export async function waitUntil(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return await check();
}

/** How a process ended, for a log line or a user: "killed by SIGKILL", "exit code 1". */
export function describeExit(status: Deno.CommandStatus): string {
  return status.signal ? `killed by ${status.signal}` : `exit code ${status.code}`;
}
