/**
 * Opening the database: Kysely on `npm:pg`, on `DATABASE_URL` or on the
 * embedded cluster, with the schema brought up to date.
 *
 * @module
 */
import { Kysely, PostgresDialect, type RawBuilder } from "kysely";
import pg from "pg";
import type { Database } from "./schema.ts";

// int8 (bigserial ids, counts) arrives as a string by default, so it cannot
// lose precision; timestamps stay Date objects.
export type { Database };

/** A Kysely handle on the app's database. */
export type Db = Kysely<Database>;

/** Options of {@link createDb}. */
export interface CreateDbOptions {
  /** Most connections the pool opens. */
  maxConnections?: number;
  /** Name shown in `pg_stat_activity`. */
  applicationName?: string;
}

/** Creates a Kysely handle with its own connection pool on `url`. */
export function createDb(url: string, options: CreateDbOptions = {}): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName ?? "ircweb",
  });
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  // Nor one that is checked out between two statements when the server goes
  // away (a restart): the pool stops listening to it then, and an unheard
  // "error" event is an uncaught exception. The next statement fails
  // instead, and the pool discards the connection when it is released.
  pool.on("connect", (client) => client.on("error", () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}

const pools = new WeakMap<Db, pg.Pool>();

/**
 * Runs `query` as the named prepared statement `name` (one name per SQL
 * text): PostgreSQL parses and plans it once per connection rather than on
 * every call, which Kysely cannot ask for. Planning the message insert's
 * statement was much of its time (bench/README.md, "Event latency"). Inside
 * a transaction, or on a handle not made by {@link createDb}, it runs as
 * Kysely would.
 */
export async function executePrepared<R>(db: Db, name: string, query: RawBuilder<R>): Promise<R[]> {
  const pool = db.isTransaction ? undefined : pools.get(db);
  if (!pool) return (await query.execute(db)).rows;
  const { sql: text, parameters } = query.compile(db);
  const result = await pool.query({ name, text, values: parameters as unknown[] });
  return result.rows as R[];
}

/** An open database, and how to let go of it. */
export interface OpenDatabase {
  db: Db;
  /** The URL in use (for workers, which open their own pools). */
  url: string;
  /** Closes the pool and stops the embedded cluster if this process owns it. */
  close(): Promise<void>;
}

/**
 * Opens `databaseUrl`, or the embedded cluster when it is `undefined`, and
 * applies pending migrations.
 */
export async function openDatabase(
  databaseUrl: string | undefined,
  options: CreateDbOptions & { migrate?: boolean } = {},
): Promise<OpenDatabase> {
  // Loaded here only: a worker imports this module for `createDb`, and the
  // embedded cluster's and the migrations' code cost each worker ~1 MiB
  // (bench/README.md, "Worker memory").
  const embedded = databaseUrl === undefined
    ? await (await import("./embeddedPostgres.ts")).startEmbeddedPostgres()
    : undefined;
  const url = databaseUrl ?? embedded!.url;
  const db = createDb(url, options);
  try {
    if (options.migrate ?? true) await (await import("./migrate.ts")).migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    await embedded?.stop();
    throw error;
  }
  return {
    db,
    url,
    close: async () => {
      await db.destroy();
      await embedded?.stop();
    },
  };
}
