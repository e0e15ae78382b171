/// <reference lib="dom" />
/**
 * Calling the app's JSON API from the browser (with the session cookie),
 * with every outcome a value: the answer, the API's own error text, or
 * "the network is down" (which callers treat differently: the request may
 * be tried again later).
 *
 * @module
 */

/** What a request came to. */
export type ApiResult<T> =
  | { ok: true; status: number; data: T }
  | { ok: false; status: number; error: string; offline: false }
  | { ok: false; status: 0; error: string; offline: true };

/** How long a request may take before it counts as "no connection" (a network that drops packets never fails). */
export const REQUEST_TIMEOUT_MS = 30_000;

/** Sends `method path` with `body` as JSON, and reads the JSON answer. */
export async function apiRequest<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      headers: body === undefined ? { accept: "application/json" } : {
        accept: "application/json",
        "content-type": "application/json",
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return { ok: false, status: 0, error: "No connection to the app", offline: true };
  }
  let data: unknown = undefined;
  try {
    // The body may never come either (the timeout covers it too).
    const text = await response.text();
    data = text === "" ? undefined : JSON.parse(text);
  } catch {
    // A proxy's HTML error page, or a cut connection.
  }
  if (response.ok) return { ok: true, status: response.status, data: data as T };
  if (response.status === 401) {
    return { ok: false, status: 401, error: "Your session has ended: log in again", offline: false };
  }
  const error = typeof data === "object" && data !== null && "error" in data && typeof data.error === "string"
    ? data.error
    : `The app answered ${response.status}`;
  return { ok: false, status: response.status, error, offline: false };
}
