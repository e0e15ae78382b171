/**
 * Everything a bench run stands on: a database of its own (a fresh one on
 * `DATABASE_URL`'s cluster, or an embedded cluster in a temporary folder),
 * the bench IRC server, the real app started as `deno task start` starts it
 * (its own process, spawning real workers), a user with an API token, and
 * a small client of the JSON API.
 *
 * @module
 */
import pg from "pg";
import { createDb, type Db } from "../../lib/db/database.ts";
import { migrateToLatest } from "../../lib/db/migrate.ts";
import { startEmbeddedPostgres } from "../../lib/db/embeddedPostgres.ts";
import { createUser } from "../../lib/users.ts";
import { createApiToken } from "../../lib/auth/apiTokens.ts";
import { type BenchIrcServer, startBenchIrcServer } from "./ircServer.ts";
// The app as users start it, shared with the tests that drive it from outside.
import { startAppProcess } from "../../tests/support/appProcess.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** Options of {@link startEnvironment}. */
export interface EnvironmentOptions {
  /** A cluster to create the bench's database on; embedded in a temporary folder when absent. */
  databaseUrl?: string;
  /** Connections the embedded cluster accepts (50 workers hold up to two each). */
  maxConnections?: number;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Extra `deno run` flags of the web process (e.g. `--cpu-prof`, to find where its time goes). */
  appFlags?: string[];
  /** An IRC server to use, left running at the end; the bench's own, started and stopped, when absent. */
  irc?: BenchIrcServer;
}

/** A server as the API shows it (the fields the bench reads). */
export interface ServerInfo {
  id: number;
  nickname: string;
  status: string;
  pid: number | null;
  socket_path: string | null;
}

/** The running environment. */
export interface Environment {
  /** `http://127.0.0.1:<port>` of the app. */
  baseUrl: string;
  token: string;
  /** The bench's own pool on the database (counting rows, baselines). */
  db: Db;
  databaseUrl: string;
  irc: BenchIrcServer;
  /** The web process's pid. */
  appPid: number;
  /** A temporary folder of the run (sockets, scripts). */
  tmpDir: string;
  /** Calls the JSON API; throws with the answer unless the status is `expect`. */
  api<T = unknown>(method: string, path: string, body?: unknown, expect?: number): Promise<T>;
  /** Creates a server on the bench IRC server, flood control off. */
  createServer(nickname: string): Promise<ServerInfo>;
  /** Waits until the server's status is `status`; returns it. */
  waitForStatus(id: number, status: string, timeoutMs?: number): Promise<ServerInfo>;
  /** The app's output so far (its log). */
  appLog(): string;
  /** Stops the app (and so its workers), the IRC server and the database; once. */
  close(): Promise<void>;
}

/** Starts the database, the IRC server and the app; creates the bench user. */
export async function startEnvironment(options: EnvironmentOptions = {}): Promise<Environment> {
  const log = options.log ?? (() => {});
  const tmpDir = await Deno.makeTempDir({ prefix: "ircweb-bench-" });
  // As root, the embedded PostgreSQL runs as `postgres` and must reach its folder inside.
  await Deno.chmod(tmpDir, 0o711);
  const cleanups: (() => Promise<void>)[] = [() => Deno.remove(tmpDir, { recursive: true })];
  // Once, however many times it is asked for (an interrupt and the run's end).
  let closing: Promise<void> | undefined;
  const cleanup = () =>
    closing ??= (async () => {
      for (const step of cleanups.splice(0).reverse()) await step().catch(() => {});
    })();
  try {
    const database = await openBenchDatabase(options, tmpDir, log);
    cleanups.push(database.close);
    const db = createDb(database.url, { maxConnections: 4, applicationName: "ircweb-bench" });
    cleanups.push(() => db.destroy());
    await migrateToLatest(db);
    const user = await createUser(db, "bench", crypto.randomUUID());
    const { token } = await createApiToken(db, user.id, "bench");

    const irc = options.irc ?? startBenchIrcServer();
    if (!options.irc) cleanups.push(() => irc.close());

    // Inside the project: the app may read only there (`deno task start`'s `--allow-read=.`).
    const socketDir = `${ROOT}/tmp/bench/sockets-${crypto.randomUUID().slice(0, 8)}`;
    await Deno.mkdir(socketDir, { recursive: true, mode: 0o700 });
    cleanups.push(() => Deno.remove(socketDir, { recursive: true }));
    const app = await startAppProcess(database.url, socketDir, { extraFlags: options.appFlags });
    cleanups.push(app.stop);
    const baseUrl = app.url;
    log(`app listening on ${baseUrl} (pid ${app.child.pid}), IRC server on port ${irc.port}`);

    const api = async <T>(method: string, path: string, body?: unknown, expect?: number): Promise<T> => {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (expect !== undefined ? response.status !== expect : !response.ok) {
        throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
      }
      return (text ? JSON.parse(text) : undefined) as T;
    };
    return {
      baseUrl,
      token,
      db,
      databaseUrl: database.url,
      irc,
      appPid: app.child.pid,
      tmpDir,
      api,
      createServer: (nickname) =>
        api<ServerInfo>("POST", "/api/servers", {
          name: nickname,
          host: "127.0.0.1",
          port: irc.port,
          tls: false,
          nickname,
          flood_interval_ms: 0,
        }, 201),
      async waitForStatus(id, status, timeoutMs = 60_000) {
        const deadline = performance.now() + timeoutMs;
        while (true) {
          const server = await api<ServerInfo>("GET", `/api/servers/${id}`);
          if (server.status === status) return server;
          if (performance.now() > deadline) {
            throw new Error(`server ${id} is ${server.status}, not ${status}, after ${timeoutMs} ms`);
          }
          await new Promise((r) => setTimeout(r, 10));
        }
      },
      appLog: app.log,
      close: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

interface BenchDatabase {
  url: string;
  close(): Promise<void>;
}

// A database nobody else uses: created on the given cluster and dropped
// after, or a whole embedded cluster in the run's temporary folder.
async function openBenchDatabase(
  options: EnvironmentOptions,
  tmpDir: string,
  log: (line: string) => void,
): Promise<BenchDatabase> {
  if (options.databaseUrl) {
    const admin = options.databaseUrl;
    const name = `bench_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    await adminQuery(admin, `create database ${name}`);
    const url = new URL(admin);
    url.pathname = `/${name}`;
    log(`database ${name} on the given cluster`);
    return {
      url: url.href,
      close: async () => {
        await adminQuery(admin, `drop database if exists ${name} with (force)`);
      },
    };
  }
  const dir = `${tmpDir}/db`;
  let cluster = await startEmbeddedPostgres(dir);
  const wanted = options.maxConnections ?? 300;
  const current = Number(await adminQuery(cluster.url, "show max_connections"));
  if (current < wanted) {
    // Takes effect at the next start, which reuses the same folder and port.
    await adminQuery(cluster.url, `alter system set max_connections = ${wanted}`);
    await cluster.stop();
    cluster = await startEmbeddedPostgres(dir);
  }
  log(`embedded PostgreSQL in ${dir}`);
  return { url: cluster.url, close: () => cluster.stop() };
}

async function adminQuery(url: string, text: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(text);
    const row = result.rows?.[0] as Record<string, unknown> | undefined;
    return row ? String(Object.values(row)[0]) : undefined;
  } finally {
    await client.end();
  }
}
