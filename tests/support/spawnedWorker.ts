/**
 * A worker subprocess for an IRC server the test runs itself (ngircd, a
 * scripted server): a database of its own, the server's row and the worker,
 * torn down after the test; the worker's log is printed when the test fails.
 *
 * @module
 */
import type { NewServer, Server } from "../../lib/db/schema.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { createServer, makeSocketDir, spawnWorker, type TestWorker } from "./worker.ts";

/** What {@link withSpawnedWorker} hands a test. */
export interface SpawnedWorker {
  database: TestDatabase;
  server: Server;
  socketDir: string;
  worker: TestWorker;
}

/**
 * Stores a server with `fields` and spawns its worker, runs `fn`, then kills
 * the worker and drops the database. When `fn` fails the worker's stderr is
 * printed, followed by what `moreLog` adds (the IRC server's own log).
 */
export async function withSpawnedWorker(
  fields: Partial<NewServer> & { port: number },
  fn: (t: SpawnedWorker) => Promise<void>,
  moreLog?: () => string | Promise<string>,
): Promise<void> {
  const database = await createTestDatabase();
  const socketDir = await makeSocketDir();
  const server = await createServer(database.db, fields);
  const worker = spawnWorker(server, database.url, socketDir);
  try {
    await fn({ database, server, socketDir, worker });
  } catch (error) {
    console.error(`--- worker stderr ---\n${worker.stderr()}${moreLog ? `\n${await moreLog()}` : ""}`);
    throw error;
  } finally {
    await worker.kill();
    await database.drop();
    await Deno.remove(socketDir, { recursive: true });
  }
}
