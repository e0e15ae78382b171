/**
 * Starting a real worker subprocess against a test database and IRC server.
 *
 * @module
 */
import type { Db } from "../../lib/db/database.ts";
import type { NewServer, Server } from "../../lib/db/schema.ts";
import { findServer } from "../../lib/servers.ts";
import { workerCommand } from "../../lib/workerCommand.ts";
import { waitFor } from "./assert.ts";

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
  const child = workerCommand({
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
