/**
 * The app's workers run from one bundle of their code (`lib/supervisor/workerBundle.ts`).
 * The bench makes sure that bundle is built before it measures, tells which file
 * a worker runs, and starts workers of its own from either file with the app's
 * flags, so that the bundle and the source stand side by side in one run.
 * @module
 */
import { processArguments } from "../../tests/support/process.ts";
import { WORKER_BUNDLE_DIR, WorkerBundle } from "../../lib/supervisor/workerBundle.ts";
import { WORKER_ENTRY, workerArgs, workerEnv, type WorkerSpec } from "../../lib/supervisor/workerLaunch.ts";

/** The worker's source, as workers ran before the bundle. */
export const SOURCE_ENTRY = WORKER_ENTRY;

/**
 * The bundle the app's workers run, built into the app's own cache if it is
 * not there yet (the app, started just before, builds the same file at once).
 */
export async function ensureWorkerBundle(): Promise<string> {
  const bundle = new WorkerBundle().start();
  try {
    const path = await bundle.ready();
    if (path === undefined) throw new Error(`the worker bundle could not be built: ${bundle.failure}`);
    return path;
  } finally {
    await bundle.close();
  }
}

/**
 * Whether the worker `pid` runs from a bundle (of this version of the source
 * or, if someone changed it since the bench began, of a later one).
 */
export async function runsBundle(pid: number): Promise<boolean> {
  const args = await processArguments(pid);
  return args.some((arg) => arg.startsWith(`${WORKER_BUNDLE_DIR}/`) && arg.endsWith(".js"));
}

// The environment the bench gives its app (tests/support/appProcess.ts): its IRC server is on loopback.
const appEnv = (name: string) =>
  name === "ALLOWED_IRC_TARGETS" ? Deno.env.get(name) ?? "127.0.0.0/8,::1" : Deno.env.get(name);

/** Starts the worker of `spec` from `entry`, with exactly the arguments and environment the app gives one. */
export function spawnWorkerFrom(entry: string, spec: WorkerSpec): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: workerArgs({ ...spec, entry }, appEnv),
    env: workerEnv(spec, appEnv),
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}
