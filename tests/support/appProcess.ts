/**
 * The whole app as a user runs it: `main.ts` in a subprocess with the flags
 * of `deno task start`, on a test database, a free port and a socket folder
 * of its own. For tests that drive it from the outside (a browser, signals).
 *
 * @module
 */
import { waitFor } from "./assert.ts";
import { collectOutput, terminate } from "../../bench/support/spawned.ts";

const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** A running app process. */
export interface AppProcess {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The process, for sending it signals. */
  readonly child: Deno.ChildProcess;
  /** Resolves with the exit status once it has exited and its output is read. */
  readonly exited: Promise<Deno.CommandStatus>;
  /** Everything it logged so far. */
  log(): string;
  /** Stops it with SIGTERM (SIGKILL after 15 s) and waits for the exit. */
  stop(): Promise<void>;
}

/** The `deno run` arguments (from `run` on) of a task of deno.json, e.g. `start` or `dev`. */
export async function taskRunArgs(task: string): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${root}/deno.json`)) as {
    tasks: Record<string, string>;
  };
  const words = config.tasks[task].split(/\s+/);
  if (words[0] !== "deno" || words[1] !== "run") {
    throw new Error(`unexpected ${task} task: ${config.tasks[task]}`);
  }
  return words.slice(1);
}

/** Options of {@link startAppProcess}. */
export interface AppProcessOptions {
  /** Deno flags added after `run` (a profiler, say). */
  extraFlags?: string[];
  /** `LOG_LEVEL`; `info` by default (the start is read from the log). */
  logLevel?: "debug" | "info";
  /** `PORT`; `0` (any free one) by default. */
  port?: number;
  /**
   * Run through `deno task start` itself, as a user or a service manager
   * does, rather than `deno run` with the task's flags: `child` is then the
   * task runner, with `main.ts` its child.
   */
  viaTask?: boolean;
  /** More environment variables (`INSTANCE_ID`, say). */
  env?: Record<string, string>;
}

/** Starts the app on `databaseUrl` and resolves once it listens. */
export async function startAppProcess(
  databaseUrl: string,
  socketDir: string,
  options: AppProcessOptions = {},
): Promise<AppProcess> {
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    PORT: String(options.port ?? 0),
    HOST: "127.0.0.1",
    SOCKET_DIR: socketDir,
    LOG_LEVEL: options.logLevel ?? "info",
    // The tests' and the bench's IRC servers are on loopback.
    ALLOWED_IRC_TARGETS: Deno.env.get("ALLOWED_IRC_TARGETS") ?? "127.0.0.0/8,::1",
    ...options.env,
  };
  for (const name of ["HOME", "PATH", "DENO_DIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: options.viaTask
      ? ["task", "start"]
      : ["run", ...(options.extraFlags ?? []), ...(await taskRunArgs("start")).slice(1)],
    cwd: root,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // A long run (the bench) keeps only the latest part of the log.
  const output = collectOutput(child, 100_000);
  const exited = child.status.then(async (status) => {
    await output.done;
    return status;
  });
  let done = false;
  exited.then(() => done = true);

  const stop = async () => {
    if (done) return;
    await terminate(child, exited, 15_000);
  };

  try {
    const port = await waitFor(
      () => done ? "exited" : /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output.text())?.[1],
      60_000,
      "the app to listen",
    );
    if (port === "exited") throw new Error("the app exited");
    return { url: `http://127.0.0.1:${port}`, child, exited, log: output.text, stop };
  } catch (error) {
    await stop();
    throw new Error(`${error instanceof Error ? error.message : error}; the app said:\n${output.text()}`);
  }
}
