/**
 * The app's settings, read once from the environment.
 *
 * Every process of the app (web server, workers, task scripts) reads the same
 * variables, so the defaults live here and nowhere else.
 *
 * @module
 */

import { parseAllowedTargets, type TargetPolicy } from "./ircTargets.ts";

/** Log levels in increasing order of importance. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** The settings of one process. */
export interface Config {
  /** HTTP port of the web app. */
  port: number;
  /** Address the web app binds to. */
  host: string;
  /**
   * Host names the web app answers to (a request naming another is
   * refused), or `undefined` for any. By default only the loopback names
   * when it listens on a loopback address: a web page whose name an
   * attacker points at 127.0.0.1 (DNS rebinding) must not reach the app as
   * if it were this site.
   */
  allowedHosts: string[] | undefined;
  /**
   * Addresses of reverse proxies in front of the app, whose
   * `X-Forwarded-For` tells the client's address (for the login throttle).
   */
  trustedProxies: string[];
  /**
   * The origin users reach the app at (`PUBLIC_URL`, e.g.
   * `https://irc.example.org`), or `undefined`. When set, its scheme alone
   * decides whether the session cookie is `Secure`: behind a TLS proxy that
   * does not send `X-Forwarded-Proto`, the cookie would otherwise go out
   * without it.
   */
  publicUrl: string | undefined;
  /** PostgreSQL URL; `undefined` means the embedded database. */
  databaseUrl: string | undefined;
  /** Absolute folder holding the workers' Unix sockets. */
  socketDir: string;
  /** Lowest level that is logged. */
  logLevel: LogLevel;
  /** Most IRC workers (processes) this app instance runs at once. */
  maxWorkers: number;
  /** Most servers one user may have. */
  maxServersPerUser: number;
  /** Addresses IRC workers may connect to besides public ones (`ALLOWED_IRC_TARGETS`). */
  allowedIrcTargets: TargetPolicy;
  /** Heap ceiling of each IRC worker, in MB (`WORKER_MEMORY_MB`). */
  workerMemoryMb: number;
  /** Days a server's messages and events are kept (`RETENTION_DAYS`); `undefined`: for ever. */
  retentionDays: number | undefined;
  /**
   * Most messages and events kept of each server, the newest
   * (`MAX_MESSAGES_PER_SERVER`); `undefined`, the default, keeps all: an
   * upgrade never deletes history nobody asked to delete.
   */
  maxMessagesPerServer: number | undefined;
  /**
   * This instance's id among those sharing the database (`INSTANCE_ID`);
   * `undefined`: one is made up at start (lib/cluster/instances.ts).
   */
  instanceId: string | undefined;
  /**
   * Where the other instances reach this one (`INSTANCE_URL`, e.g.
   * `http://10.0.0.5:8000`); `undefined`: `http://<HOST>:<port>`, which
   * only serves instances on one host unless HOST is a routable address.
   */
  instanceUrl: string | undefined;
  /** This instance's share of the networks relative to the others' (`INSTANCE_WEIGHT`, 1). */
  instanceWeight: number;
  /** How often the instance looks at which networks it should run (`PLACEMENT_INTERVAL_MS`, 1000). */
  placementIntervalMs: number;
}

const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** Names of the variables read by {@link loadConfig}. */
export const CONFIG_ENV_VARS = [
  "PORT",
  "HOST",
  "ALLOWED_HOSTS",
  "TRUSTED_PROXIES",
  "PUBLIC_URL",
  "DATABASE_URL",
  "SOCKET_DIR",
  "LOG_LEVEL",
  "MAX_WORKERS",
  "MAX_SERVERS_PER_USER",
  "ALLOWED_IRC_TARGETS",
  "WORKER_MEMORY_MB",
  "RETENTION_DAYS",
  "MAX_MESSAGES_PER_SERVER",
  "INSTANCE_ID",
  "INSTANCE_URL",
  "INSTANCE_WEIGHT",
  "PLACEMENT_INTERVAL_MS",
] as const;

/**
 * Reads the settings from the environment, with the defaults docs/api.md gives.
 * Relative paths are resolved against the current directory, because Deno's
 * Unix-socket permissions only accept absolute paths.
 */
export function loadConfig(env: (name: string) => string | undefined = Deno.env.get): Config {
  const portText = env("PORT") || "8000";
  const port = Number(portText);
  // Digits only: Number() also reads "0x1F40" and "1e3". 0 picks a free port.
  if (!/^[0-9]{1,5}$/.test(portText) || port > 65535) {
    throw new Error(`PORT must be a port number (0-65535), got ${JSON.stringify(portText)}`);
  }
  const host = env("HOST") || "127.0.0.1";
  const level = (env("LOG_LEVEL") ?? "info") as LogLevel;
  if (!LOG_LEVELS.includes(level)) {
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);
  }
  return {
    port,
    host,
    allowedHosts: allowedHosts(env("ALLOWED_HOSTS"), host),
    trustedProxies: (env("TRUSTED_PROXIES") ?? "").split(",").map((a) => a.trim()).filter((a) => a !== ""),
    publicUrl: httpOrigin(env, "PUBLIC_URL", "https://irc.example.org"),
    databaseUrl: env("DATABASE_URL") || undefined,
    socketDir: absolutePath(env("SOCKET_DIR") || "tmp/sockets"),
    logLevel: level,
    maxWorkers: positiveInteger(env, "MAX_WORKERS", DEFAULT_MAX_WORKERS),
    maxServersPerUser: positiveInteger(env, "MAX_SERVERS_PER_USER", DEFAULT_MAX_SERVERS_PER_USER),
    allowedIrcTargets: parseAllowedTargets(env("ALLOWED_IRC_TARGETS")),
    workerMemoryMb: positiveInteger(env, "WORKER_MEMORY_MB", DEFAULT_WORKER_MEMORY_MB),
    retentionDays: env("RETENTION_DAYS") ? positiveInteger(env, "RETENTION_DAYS", 1) : undefined,
    maxMessagesPerServer: env("MAX_MESSAGES_PER_SERVER")
      ? positiveInteger(env, "MAX_MESSAGES_PER_SERVER", 1)
      : undefined,
    instanceId: instanceId(env("INSTANCE_ID")),
    // An origin the other instances can reach.
    instanceUrl: httpOrigin(env, "INSTANCE_URL", "http://10.0.0.5:8000"),
    instanceWeight: positiveInteger(env, "INSTANCE_WEIGHT", 1),
    placementIntervalMs: positiveInteger(env, "PLACEMENT_INTERVAL_MS", 1000),
  };
}

// `INSTANCE_ID`: it names the instance's lease connection, so a short plain name.
function instanceId(given: string | undefined): string | undefined {
  if (given === undefined || given.trim() === "") return undefined;
  if (!/^[A-Za-z0-9._:-]{1,40}$/.test(given.trim())) {
    throw new Error(
      `INSTANCE_ID must be 1 to 40 letters, digits, '.', '_', ':' or '-', got ${JSON.stringify(given)}`,
    );
  }
  return given.trim();
}

// The variable `name` as an origin: an http(s) URL (`example` shows one) or nothing.
function httpOrigin(
  env: (name: string) => string | undefined,
  name: string,
  example: string,
): string | undefined {
  const given = env(name);
  if (given === undefined || given.trim() === "") return undefined;
  let url: URL | undefined;
  try {
    url = new URL(given.trim());
  } catch { /* said below */ }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || url.hostname === "") {
    throw new Error(`${name} must be an http(s) URL such as ${example}, got ${JSON.stringify(given)}`);
  }
  return url.origin;
}

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

// `ALLOWED_HOSTS` as given (`*` for any), else the loopback names when
// bound to loopback, else any (an exposed app's names are the operator's
// to give).
function allowedHosts(given: string | undefined, host: string): string[] | undefined {
  if (given !== undefined && given.trim() !== "") {
    const names = given.split(",").map((name) => name.trim().toLowerCase()).filter((name) => name !== "");
    return names.includes("*") ? undefined : names;
  }
  const loopback = host === "localhost" || host === "::1" || /^127\.[0-9.]+$/.test(host);
  return loopback ? LOOPBACK_NAMES : undefined;
}

/** Resolves `path` against the current directory unless it is absolute. */
export function absolutePath(path: string): string {
  if (path.startsWith("/")) return path;
  const cwd = Deno.cwd();
  const joined = `${cwd}/${path}`.replace(/\/+/g, "/").replace(/\/\.\//g, "/");
  return joined.endsWith("/") && joined.length > 1 ? joined.slice(0, -1) : joined;
}

/**
 * Default of `MAX_WORKERS`. Each worker is a process of its own (its memory:
 * bench/README.md, "Worker memory") holding up to 2 database connections:
 * unbounded, a loop of connects exhausts memory and the database's
 * connections for every user.
 */
export const DEFAULT_MAX_WORKERS = 200;

/**
 * Default of `WORKER_MEMORY_MB`: well above an idle worker's heap
 * (bench/README.md, "Worker memory"), so only something runaway reaches it
 * (`lib/supervisor/workerLaunch.ts`).
 */
export const DEFAULT_WORKER_MEMORY_MB = 256;

/** Default of `MAX_SERVERS_PER_USER`; `deno task bench` gives one user 50 and more. */
export const DEFAULT_MAX_SERVERS_PER_USER = 100;

// A whole number from 1 up, or `fallback` when the variable is unset or empty.
function positiveInteger(env: (name: string) => string | undefined, name: string, fallback: number): number {
  const text = env(name) || String(fallback);
  if (!/^[0-9]{1,9}$/.test(text) || Number(text) < 1) {
    throw new Error(`${name} must be a whole number from 1 up, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}
