/**
 * How a worker process is started: the Deno command line with the narrowest
 * permissions that let it work.
 *
 * @module
 */
import { CONFIG_ENV_VARS } from "./config.ts";
import { socketPathFor } from "./servers.ts";

/**
 * Every variable `npm:pg` reads in its constructor: under `--allow-env=<list>`
 * an unlisted one throws `NotCapable` even when unset.
 */
export const PG_ENV_VARS = [
  "PGHOST",
  "PGPORT",
  "PGUSER",
  "PGDATABASE",
  "PGPASSWORD",
  "PGBINARY",
  "PGOPTIONS",
  "PGSSLMODE",
  "PGSSLNEGOTIATION",
  "PGCLIENT_ENCODING",
  "PGREPLICATION",
  "PGAPPNAME",
  "PGCONNECT_TIMEOUT",
] as const;

/**
 * Exit code of a worker that could not start (bad id, no such server, a
 * socket path too long): restarting it cannot help. The worker exits with it
 * and the supervisor reads it.
 */
export const WORKER_EXIT_START_FAILED = 2;

/**
 * V8 flags of every worker. A worker allocates a burst while it loads its
 * modules, and V8 then keeps the young generation grown to match (up to
 * 16 MB a semi-space); one worker per network makes that reserve count.
 * A 1 MB semi-space took 3.5 MB off each idle worker's PSS (31.0 to 27.5
 * MB), with no loss of ingest throughput (`bench/README.md`).
 */
export const WORKER_V8_FLAGS = ["--max-semi-space-size=1"] as const;

/** The entry point of a worker. */
export const WORKER_ENTRY = new URL("../workers/ircWorker.ts", import.meta.url).pathname;
const CONFIG_FILE = new URL("../deno.json", import.meta.url).pathname;

/** What a worker needs to be started. */
export interface WorkerSpec {
  serverId: number;
  /** IRC host and port: the only IRC address it may reach. */
  ircHost: string;
  ircPort: number;
  databaseUrl: string;
  /** Absolute folder of the sockets. */
  socketDir: string;
  logLevel?: string;
}

/** The `deno run` arguments (after `run`) that start a worker. */
export function workerArgs(spec: WorkerSpec): string[] {
  const db = new URL(spec.databaseUrl);
  const dbAddress = `${db.hostname || "127.0.0.1"}:${db.port || "5432"}`;
  const socket = socketPathFor(spec.socketDir, spec.serverId);
  return [
    "run",
    `--config=${CONFIG_FILE}`,
    "--no-prompt",
    `--v8-flags=${WORKER_V8_FLAGS.join(",")}`,
    `--allow-net=${dbAddress},${hostPort(spec.ircHost, spec.ircPort)},unix:${socket}`,
    `--allow-read=${spec.socketDir}`,
    `--allow-write=${spec.socketDir}`,
    `--allow-env=${[...CONFIG_ENV_VARS, ...PG_ENV_VARS].join(",")}`,
    WORKER_ENTRY,
    String(spec.serverId),
  ];
}

/** The environment a worker gets: only what it reads. */
export function workerEnv(spec: WorkerSpec): Record<string, string> {
  return {
    DATABASE_URL: spec.databaseUrl,
    SOCKET_DIR: spec.socketDir,
    LOG_LEVEL: spec.logLevel ?? "info",
    // Deno's own cache location, so the npm packages resolve as for the app.
    ...denoDir(),
  };
}

/** A `Deno.Command` ready to spawn the worker of `spec`. */
export function workerCommand(
  spec: WorkerSpec,
  options: Pick<Deno.CommandOptions, "stdout" | "stderr" | "detached"> = {},
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: workerArgs(spec),
    env: workerEnv(spec),
    clearEnv: true,
    stdin: "null",
    stdout: options.stdout ?? "inherit",
    stderr: options.stderr ?? "inherit",
    // Detached workers sit in a process group of their own, so a Ctrl-C in
    // the app's terminal reaches only the app, which then stops them in order.
    detached: options.detached ?? false,
  });
}

function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function denoDir(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ["DENO_DIR", "HOME", "PATH"]) {
    try {
      const value = Deno.env.get(name);
      if (value !== undefined) out[name] = value;
    } catch { /* not allowed to read it: leave it out */ }
  }
  return out;
}
