/**
 * A tiny leveled logger writing one line per entry to stderr.
 *
 * @module
 */
import type { LogLevel } from "./config.ts";

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
let threshold: LogLevel = "info";

/** Sets the lowest level that is written. */
export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

/** A logger whose lines all start with the same tag, such as `worker 3`. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Returns a logger that prefixes its lines with `tag`. */
export function logger(tag: string): Logger {
  const write = (level: LogLevel) => (message: string) => {
    if (ORDER[level] < ORDER[threshold]) return;
    console.error(`${new Date().toISOString()} ${level} [${tag}] ${message}`);
  };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

/** Turns anything thrown into a one-line reason a user can read. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
