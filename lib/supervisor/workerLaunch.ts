/**
 * How a worker process is started: the Deno command line with the narrowest
 * permissions that let it work.
 *
 * @module
 */
import { CONFIG_ENV_VARS, DEFAULT_WORKER_MEMORY_MB } from "../config.ts";
import { socketPathFor } from "../servers.ts";
import { parse } from "pg-connection-string";

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
 * A 1 MB semi-space makes each idle worker smaller, with no loss of ingest
 * throughput (bench/README.md, "Worker memory").
 */
export const WORKER_V8_FLAGS = ["--max-semi-space-size=1"] as const;

/**
 * What V8 writes to stderr when a process reaches its heap ceiling; it then
 * aborts with SIGTRAP.
 */
export const V8_OUT_OF_MEMORY = "Fatal JavaScript out of memory";

/**
 * Variables of the app's environment a worker gets as they are, when set.
 * `DENO_CERT` (a PEM file of CAs Deno trusts besides its own) lets IRC
 * servers with a private CA be reached over TLS; Deno reads it at start.
 */
const PASSED_ENV_VARS = ["ALLOWED_IRC_TARGETS", "DENO_CERT"] as const;

/** `PG*` variables of the app's login, which a worker with a login of its own does not get. */
const LOGIN_PG_VARS: ReadonlySet<string> = new Set(["PGUSER", "PGPASSWORD"]);

/**
 * The variable that tells a worker the PostgreSQL channel of its server's
 * bus channels (`ServiceBus.workerChannel`): the one name of them it knows.
 */
export const WORKER_BUS_CHANNEL_ENV = "IRCWEB_BUS_CHANNEL";

/** The entry point of a worker, in source. */
export const WORKER_ENTRY = new URL("../../workers/ircWorker.ts", import.meta.url).pathname;
const CONFIG_FILE = new URL("../../deno.json", import.meta.url).pathname;

/** What names the file a worker runs at the moment it is spawned (`lib/supervisor/workerBundle.ts`). */
export interface WorkerEntrySource {
  /** The bundle when one is ready for the source as it is, else {@link WORKER_ENTRY}. */
  entry(): string;
}

// Kept here, not imported, so that the worker (which imports this module) never loads the bundler's code.
let entrySource: WorkerEntrySource | undefined;

/**
 * Spawns this process's workers from what `source` names (the web process's
 * worker bundle), or from source again with `undefined`.
 */
export function runWorkersFrom(source: WorkerEntrySource | undefined): void {
  entrySource = source;
}

/** What a worker needs to be started. */
export interface WorkerSpec {
  serverId: number;
  /** IRC host and port: the only IRC address it may reach. */
  ircHost: string;
  ircPort: number;
  /** The app's database URL: where the worker connects. */
  databaseUrl: string;
  /**
   * The worker's own login (`lib/db/workerRoles.ts`), in place of the
   * URL's and the app's `PGUSER`/`PGPASSWORD`. Without it the worker logs
   * in as the app (tests only).
   */
  databaseLogin?: { user: string; password: string };
  /**
   * The PostgreSQL channel its events go on ({@link WORKER_BUS_CHANNEL_ENV}).
   * Without it the worker works it out as the app does, which only the
   * app's login may (tests only).
   */
  busChannel?: string;
  /** Absolute folder of the sockets. */
  socketDir: string;
  logLevel?: string;
  /**
   * The file the worker runs: {@link WORKER_ENTRY} by default in
   * {@link workerArgs}; in {@link workerLaunchCommand}, what
   * {@link runWorkersFrom} names when something was given to it.
   */
  entry?: string;
  /**
   * Heap ceiling in MB; `DEFAULT_WORKER_MEMORY_MB` (256) by default. Only
   * something runaway reaches it, which V8 then ends before the machine
   * runs out.
   */
  memoryLimitMb?: number;
}

/** Reads one variable of the app's environment: `undefined` when unset. */
export type EnvReader = (name: string) => string | undefined;

/**
 * The `deno run` arguments (after `run`) that start a worker. `env` is the
 * app's environment, whose `PG*` variables decide, with the URL, which
 * database address the worker may reach.
 *
 * @throws Error when the database is on a Unix socket (a worker may only
 * reach it over TCP), or its URL or port cannot be read.
 */
export function workerArgs(spec: WorkerSpec, env: EnvReader = Deno.env.get): string[] {
  const dbAddress = databaseAddress(spec.databaseUrl, env);
  const socket = socketPathFor(spec.socketDir, spec.serverId);
  return [
    "run",
    `--config=${CONFIG_FILE}`,
    "--no-prompt",
    `--v8-flags=${
      [...WORKER_V8_FLAGS, `--max-old-space-size=${spec.memoryLimitMb ?? DEFAULT_WORKER_MEMORY_MB}`].join(",")
    }`,
    `--allow-net=${dbAddress},${hostPort(spec.ircHost, spec.ircPort)},unix:${socket}`,
    // Its own socket only (it removes a stale one, listens, chmods it):
    // not the folder, where the other workers' sockets are.
    `--allow-read=${socket}`,
    `--allow-write=${socket}`,
    `--allow-env=${[...CONFIG_ENV_VARS, ...PG_ENV_VARS, WORKER_BUS_CHANNEL_ENV].join(",")}`,
    // Deno loads the main module and what it imports without --allow-read, so a
    // bundle in tmp/ needs no more than the source did.
    spec.entry ?? WORKER_ENTRY,
    String(spec.serverId),
  ];
}

/**
 * The environment a worker gets: only what it reads. That includes the `PG*`
 * variables set for the app (an SSL mode, a host), so the worker's `npm:pg`
 * reaches the database the app's does, but not the app's login.
 */
export function workerEnv(spec: WorkerSpec, env: EnvReader = Deno.env.get): Record<string, string> {
  const login = spec.databaseLogin;
  return {
    ...readEnv(env, login ? PG_ENV_VARS.filter((name) => !LOGIN_PG_VARS.has(name)) : PG_ENV_VARS),
    ...readEnv(env, PASSED_ENV_VARS),
    // npm:pg takes a URL's user and password over PGUSER and PGPASSWORD.
    ...(login
      ? { DATABASE_URL: urlWithoutLogin(spec.databaseUrl), PGUSER: login.user, PGPASSWORD: login.password }
      : { DATABASE_URL: spec.databaseUrl }),
    SOCKET_DIR: spec.socketDir,
    LOG_LEVEL: spec.logLevel ?? "info",
    ...(spec.busChannel !== undefined ? { [WORKER_BUS_CHANNEL_ENV]: spec.busChannel } : {}),
    // Deno's own cache location, so the npm packages resolve as for the app.
    ...denoDir(),
  };
}

/**
 * A `Deno.Command` ready to spawn the worker of `spec`, from the bundle
 * when this process has one ready ({@link runWorkersFrom}).
 */
export function workerLaunchCommand(
  spec: WorkerSpec,
  options: Pick<Deno.CommandOptions, "stdout" | "stderr" | "detached"> = {},
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: workerArgs({ ...spec, entry: spec.entry ?? entrySource?.entry() }),
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
  return readEnv(Deno.env.get, ["DENO_DIR", "HOME", "PATH"]);
}

// The variables of `names` that are set.
function readEnv(env: EnvReader, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    try {
      const value = env(name);
      if (value !== undefined) out[name] = value;
    } catch { /* not allowed to read it: leave it out */ }
  }
  return out;
}

/**
 * The `host:port` that `npm:pg` connects to for `url` (see its
 * `connection-parameters.js`): the URL's host, else `PGHOST`, else
 * `localhost`; the URL's port, else `PGPORT`, else 5432. Anything else in the
 * worker's `--allow-net` would be refused (`NotCapable`) on every connect.
 */
function databaseAddress(url: string, env: EnvReader): string {
  const given = urlHostPort(url);
  const host = given.host || readEnv(env, ["PGHOST"]).PGHOST || "localhost";
  if (host.startsWith("/")) {
    // pg would connect to `<host>/.s.PGSQL.<port>`, which the worker's
    // permissions do not name (the one Unix socket they allow is its own):
    // refused here, so the server's error says why, rather than a worker
    // failing with NotCapable on every connect.
    throw new Error(
      `The database is on the Unix socket ${host}, which an IRC worker cannot reach: ` +
        "give DATABASE_URL (or PGHOST) a TCP host, such as 127.0.0.1",
    );
  }
  const portText = given.port || readEnv(env, ["PGPORT"]).PGPORT || "5432";
  // pg reads the port with parseInt, so "5432 " is 5432 and "lots" is no port.
  const port = parseInt(portText, 10);
  if (!(port >= 1 && port <= 65535)) {
    const source = given.port ? "The port of DATABASE_URL" : "PGPORT";
    throw new Error(`${source} must be a port number (1-65535), got ${JSON.stringify(portText)}`);
  }
  return hostPort(host, port);
}

/**
 * The host and port written in a database URL, "" when it gives none, as
 * `npm:pg` reads them: through its own parser, `pg-connection-string`.
 */
function urlHostPort(url: string): { host: string; port: string } {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(url);
  } catch {
    // Not the error's text: it may quote the URL, password and all.
    throw new Error("DATABASE_URL is not a valid URL");
  }
  return { host: parsed.host ?? "", port: parsed.port ?? "" };
}

/**
 * `url` without the user and password it names (in its authority or as
 * `user=`/`password=` parameters); host, port, database and options stay.
 */
export function urlWithoutLogin(url: string): string {
  const query = url.indexOf("?");
  const base = (query === -1 ? url : url.slice(0, query)).replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, "$1");
  if (query === -1) return base;
  const params = url.slice(query + 1).split("&").filter((p) => !/^(user|password)=/i.test(p));
  return params.length > 0 ? `${base}?${params.join("&")}` : base;
}
