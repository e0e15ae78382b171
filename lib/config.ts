/**
 * The app's settings, read once from the environment.
 *
 * Every process of the app (web server, workers, task scripts) reads the same
 * variables, so the defaults live here and nowhere else.
 *
 * @module
 */

/** Log levels in increasing order of importance. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** The settings of one process. */
export interface Config {
  /** HTTP port of the web app. */
  port: number;
  /** Address the web app binds to. */
  host: string;
  /** PostgreSQL URL; `undefined` means the embedded database. */
  databaseUrl: string | undefined;
  /** Absolute folder holding the workers' Unix sockets. */
  socketDir: string;
  /** Lowest level that is logged. */
  logLevel: LogLevel;
}

const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** Names of the variables read by {@link loadConfig}. */
export const CONFIG_ENV_VARS = [
  "PORT",
  "HOST",
  "DATABASE_URL",
  "SOCKET_DIR",
  "LOG_LEVEL",
] as const;

/**
 * Reads the settings from the environment, with the contract's defaults.
 * Relative paths are resolved against the current directory, because Deno's
 * Unix-socket permissions only accept absolute paths.
 */
export function loadConfig(env: (name: string) => string | undefined = Deno.env.get): Config {
  const port = Number(env("PORT") ?? "8000");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a port number, got ${env("PORT")}`);
  }
  const level = (env("LOG_LEVEL") ?? "info") as LogLevel;
  if (!LOG_LEVELS.includes(level)) {
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);
  }
  return {
    port,
    host: env("HOST") || "127.0.0.1",
    databaseUrl: env("DATABASE_URL") || undefined,
    socketDir: absolutePath(env("SOCKET_DIR") || "tmp/sockets"),
    logLevel: level,
  };
}

/** Resolves `path` against the current directory unless it is absolute. */
export function absolutePath(path: string): string {
  if (path.startsWith("/")) return path;
  const cwd = Deno.cwd();
  const joined = `${cwd}/${path}`.replace(/\/+/g, "/").replace(/\/\.\//g, "/");
  return joined.endsWith("/") && joined.length > 1 ? joined.slice(0, -1) : joined;
}
