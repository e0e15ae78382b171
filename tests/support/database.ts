/**
 * A fresh, migrated database for each test, on the cluster that
 * `deno task test` started (its URL in `TEST_DATABASE_URL`).
 *
 * @module
 */
import pg from "pg";
import { createDb, type Db } from "../../lib/db/database.ts";
import { migrateToLatest } from "../../lib/db/migrate.ts";

/** A database of one test. */
export interface TestDatabase {
  db: Db;
  /** Its URL, for workers and app processes started by the test. */
  url: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** The admin URL of the test cluster. */
export function testClusterUrl(): string {
  const url = Deno.env.get("TEST_DATABASE_URL");
  if (!url) {
    throw new Error("TEST_DATABASE_URL is not set: run the tests with `deno task test`");
  }
  return url;
}

/** Creates and migrates a database of its own for one test. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = testClusterUrl();
  const name = `test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  await adminQuery(admin, `create database ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const db = createDb(url.href, { maxConnections: 4 });
  await migrateToLatest(db);
  return {
    db,
    url: url.href,
    async drop() {
      await db.destroy();
      await adminQuery(admin, `drop database if exists ${name} with (force)`);
    },
  };
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
