/**
 * Why a database write failed: an outage a retry later can cure, or a
 * refusal of what was written, which would fail again at every retry.
 *
 * @module
 */

// SQLSTATE classes of a database that is away or busy rather than refusing
// the data: connection exception, insufficient resources, operator
// intervention (57P01-03: shutting down, crashed, starting), system error,
// transaction rollback (serialization, deadlock); and lock not available.
const OUTAGE_CLASSES = ["08", "53", "57", "58", "40"];
// Errors of the socket under npm:pg (Node's codes, Deno's as well).
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EADDRNOTAVAIL",
]);
// npm:pg's and pg-pool's own words for a connection that failed or ended
// (they carry no code).
const CONNECTION_MESSAGE =
  /^(?:Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout expired|timeout exceeded when trying to connect|Query read timeout|Connection ended)/;

/**
 * Whether a write failed because the database is unreachable (or shutting
 * down, or briefly unable to take it), which a retry later can cure.
 * Only those are: a write that fails otherwise (a constraint, a bad value,
 * a `TypeError` from a malformed event) would fail again at every retry.
 */
export function isOutage(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message, errors, cause } = error as {
    code?: unknown;
    message?: unknown;
    errors?: unknown;
    cause?: unknown;
  };
  if (typeof code === "string") {
    if (SOCKET_CODES.has(code)) return true;
    // PostgreSQL answered: its SQLSTATE says whether it is away or refuses.
    if (/^[0-9A-Z]{5}$/.test(code)) {
      return OUTAGE_CLASSES.some((cls) => code.startsWith(cls)) || code === "55P03";
    }
  }
  // Deno's own connection errors, by class name.
  const name = (error as { name?: unknown }).name;
  if (name === "ConnectionRefused" || name === "ConnectionReset" || name === "ConnectionAborted") return true;
  if (name === "BrokenPipe" || name === "TimedOut" || name === "NotConnected") return true;
  if (typeof message === "string" && CONNECTION_MESSAGE.test(message)) return true;
  // Connecting to every address of a name failed (AggregateError), or an
  // error wraps the socket's.
  if (Array.isArray(errors) && errors.length > 0 && errors.every(isOutage)) return true;
  return cause !== undefined && cause !== error && isOutage(cause);
}

/**
 * Whether a write's failure is a refusal of what was written, to be dropped
 * loudly: anything but an outage ({@link isOutage}).
 */
export function isRejection(error: unknown): boolean {
  return !isOutage(error);
}
