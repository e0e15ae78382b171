/**
 * The whole Hono app on a test database with the real supervisor, and
 * helpers to call it as a user of the API would.
 *
 * @module
 */
import type { Hono } from "hono";
import { createApp } from "../../routes/app.ts";
import { type Config, loadConfig } from "../../lib/config.ts";
import { createApiToken } from "../../lib/auth/apiTokens.ts";
import { Supervisor } from "../../lib/supervisor/supervisor.ts";
import type { ThrottleLimits } from "../../lib/auth/loginThrottle.ts";
import type { NewServer, Server } from "../../lib/db/schema.ts";
import { insertServer } from "../../lib/servers.ts";
import { ServiceBus } from "../../lib/serviceBus.ts";
import { WorkerConnectionPool } from "../../lib/ircCommandSender.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { makeSocketDir } from "../support/worker.ts";

/** A user of the test app and their API token. */
export interface TestUser {
  id: number;
  name: string;
  token: string;
}

/** How to call the app. */
export interface CallOptions {
  method?: string;
  /** Sent as JSON (a string is sent as is). */
  body?: unknown;
  /** `Authorization: Bearer` with this user's token. */
  as?: TestUser;
  headers?: Record<string, string>;
  /** The client address `Deno.serve` would report. */
  address?: string;
}

/** The app under test. */
export interface TestApp {
  app: Hono;
  database: TestDatabase;
  supervisor: Supervisor;
  /** The app's service bus (status writes publish on it; `/api/events` listens). */
  bus: ServiceBus;
  socketDir: string;
  /** A user with a token, without paying for a password hash. */
  user(name: string): Promise<TestUser>;
  /** A server row of `user`. */
  server(user: TestUser, fields?: Partial<NewServer>): Promise<Server>;
  call(path: string, options?: CallOptions): Promise<Response>;
}

/** Runs `fn` with a fresh app, database and supervisor, torn down after. */
export async function withApp(
  fn: (t: TestApp) => Promise<void>,
  options: {
    loginLimits?: ThrottleLimits;
    eventsHeartbeatMs?: number;
    /** Settings other than the defaults. */
    config?: Partial<Config>;
    /** Where the app's warnings about its set-up go. */
    warn?: (message: string) => void;
  } = {},
): Promise<void> {
  const database = await createTestDatabase();
  const socketDir = await makeSocketDir();
  const bus = new ServiceBus({ url: database.url, db: database.db });
  const supervisor = await Supervisor.start({
    db: database.db,
    databaseUrl: database.url,
    socketDir,
    logLevel: "warn",
    resume: false,
    stopGraceMs: 3000,
    bus,
  });
  const config = { ...loadConfig(() => undefined), socketDir, ...options.config };
  // As main.ts does: commands reuse their connections to the workers.
  const workerConnections = new WorkerConnectionPool();
  const app = createApp({
    db: database.db,
    config,
    supervisor,
    loginLimits: options.loginLimits,
    bus,
    eventsHeartbeatMs: options.eventsHeartbeatMs,
    workerConnections,
    warn: options.warn,
  });
  const t: TestApp = {
    app,
    database,
    supervisor,
    bus,
    socketDir,
    async user(name) {
      const row = await database.db.insertInto("users").values({ name, password_hash: "-" })
        .returning(["id", "name"]).executeTakeFirstOrThrow();
      const { token } = await createApiToken(database.db, row.id, "test");
      return { ...row, token };
    },
    server(user, fields = {}) {
      return insertServer(database.db, {
        user_id: user.id,
        name: "Test net",
        host: "127.0.0.1",
        port: 6667,
        tls: false,
        nickname: "tester",
        flood_interval_ms: 0,
        ...fields,
      });
    },
    call(path, options = {}) {
      const headers = new Headers(options.headers);
      if (options.as) headers.set("authorization", `Bearer ${options.as.token}`);
      let body: string | undefined;
      if (options.body !== undefined) {
        body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
        if (!headers.has("content-type")) headers.set("content-type", "application/json");
      }
      const env = { remoteAddr: { transport: "tcp", hostname: options.address ?? "127.0.0.1", port: 50000 } };
      return Promise.resolve(
        app.request(`http://127.0.0.1:8000${path}`, { method: options.method ?? "GET", headers, body }, env),
      );
    },
  };
  try {
    await fn(t);
  } finally {
    workerConnections.close();
    await supervisor.stop();
    await bus.close();
    await database.drop();
    await Deno.remove(socketDir, { recursive: true });
  }
}

/** The JSON body of `response`, after checking its status. */
export async function expectJson<T = Record<string, unknown>>(
  response: Response,
  status: number,
): Promise<T> {
  const text = await response.text();
  if (response.status !== status) {
    throw new Error(`expected ${status}, got ${response.status}: ${text}`);
  }
  return JSON.parse(text) as T;
}

/** Checks the status of `response` and drains it. */
export async function expectStatus(response: Response, status: number): Promise<void> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${text}`);
}
