/**
 * Starting a real worker subprocess against a test database and IRC server.
 *
 * @module
 */
import type { Db } from "../../lib/db/database.ts";
import type { NewServer, Server } from "../../lib/db/schema.ts";
import { IrcCommandSender } from "../../lib/ircCommandSender.ts";
import { findServer, socketPathFor } from "../../lib/servers.ts";
import { workerLaunchCommand } from "../../lib/supervisor/workerLaunch.ts";
import { waitFor } from "./assert.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { type FakeIrcOptions, type FakeIrcServer, startFakeIrcServer } from "./fakeIrcServer.ts";

/** Inserts a user (once per database) and a server row for them. */
export async function createServer(db: Db, fields: Partial<NewServer> & { port: number }): Promise<Server> {
  const user = await db.selectFrom("users").select("id").where("name", "=", "tester").executeTakeFirst() ??
    await db.insertInto("users").values({ name: "tester", password_hash: "x" }).returning("id")
      .executeTakeFirstOrThrow();
  return await db.insertInto("servers").values({
    user_id: user.id,
    name: "test",
    host: "127.0.0.1",
    tls: false,
    nickname: "tester",
    flood_interval_ms: 0,
    ...fields,
  }).returningAll().executeTakeFirstOrThrow();
}

/** A socket folder of the test's own, mode 0700. */
export async function makeSocketDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ircweb-sockets-" });
  await Deno.chmod(dir, 0o700);
  return dir;
}

/** A worker started by a test. */
export interface TestWorker {
  process: Deno.ChildProcess;
  /** Everything the worker wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit status. */
  status: Promise<Deno.CommandStatus>;
  /** Kills it if it still runs and waits for the exit. */
  kill(): Promise<void>;
}

/** Spawns the worker of `server` with the narrow permissions the app uses. */
export function spawnWorker(
  server: Server,
  databaseUrl: string,
  socketDir: string,
): TestWorker {
  const child = workerLaunchCommand({
    serverId: server.id,
    ircHost: server.host,
    ircPort: server.port,
    databaseUrl,
    socketDir,
    logLevel: "debug",
  }, { stdout: "null", stderr: "piped" }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  const reading = (async () => {
    for await (const chunk of child.stderr) text += decoder.decode(chunk, { stream: true });
  })();
  const status = child.status.then(async (s) => {
    await reading;
    return s;
  });
  return {
    process: child,
    stderr: () => text,
    status,
    async kill() {
      try {
        child.kill("SIGKILL");
      } catch { /* exited */ }
      await status;
    },
  };
}

/** Waits until the server row says `status`, and returns the row. */
export function waitForStatus(
  db: Db,
  serverId: number,
  status: Server["status"],
  timeoutMs = 10_000,
): Promise<Server> {
  return waitFor(
    async () => {
      const row = await findServer(db, serverId);
      return row?.status === status ? row : undefined;
    },
    timeoutMs,
    `server ${serverId} to be ${status}`,
  );
}

/** What {@link withWorker} sets up. */
export interface WorkerTest {
  database: TestDatabase;
  irc: FakeIrcServer;
  socketDir: string;
  socketPath: string;
  server: Server;
  worker: TestWorker;
  /** A sender on the worker's socket. */
  sender: IrcCommandSender;
}

/** Options of {@link withWorker}. */
export interface WorkerTestOptions {
  /** Options of the fake IRC server. */
  irc?: FakeIrcOptions;
  /** Columns of the server row (its port is the fake IRC server's unless given). */
  server?: Partial<NewServer>;
  /** The status to wait for before the test body runs; `null` waits for nothing. */
  status?: Server["status"] | null;
  /** Runs after the row exists and before the worker is spawned. */
  prepare?: (t: { socketDir: string; server: Server }) => Promise<void>;
}

/**
 * A worker on a database and a fake IRC server of the test's own, all torn
 * down after `fn`; the worker's log is printed when `fn` fails.
 */
export async function withWorker(
  options: WorkerTestOptions,
  fn: (t: WorkerTest) => Promise<void>,
): Promise<void> {
  const database = await createTestDatabase();
  const irc = startFakeIrcServer(options.irc);
  const socketDir = await makeSocketDir();
  const server = await createServer(database.db, { port: irc.port, ...options.server });
  const socketPath = socketPathFor(socketDir, server.id);
  await options.prepare?.({ socketDir, server });
  const worker = spawnWorker(server, database.url, socketDir);
  try {
    const status = options.status === undefined ? "connected" : options.status;
    if (status !== null) await waitForStatus(database.db, server.id, status);
    if (status === "connected") await irc.waitForClient();
    const sender = new IrcCommandSender({ socket_path: socketPath });
    await fn({ database, irc, socketDir, socketPath, server, worker, sender });
  } catch (error) {
    console.error(worker.stderr());
    throw error;
  } finally {
    await worker.kill();
    await irc.close();
    await database.drop();
    await Deno.remove(socketDir, { recursive: true });
  }
}
