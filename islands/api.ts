/// <reference lib="dom" />
/**
 * Calling the app's JSON API from the browser (with the session cookie),
 * with every outcome a value: the answer, the API's own error text, or
 * "the network is down" (which callers treat differently: the request may
 * be tried again later).
 *
 * @module
 */
import type { MessageJson } from "../lib/messages.ts";
import type { ServerJson } from "../routes/api/servers.ts";

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

/** The part of the API's server JSON (`routes/api/servers.ts`) the islands read. */
export type ServerState = Pick<ServerJson, "nickname" | "status" | "last_error">;

/** `GET /api/servers/:id`: the server's nick and status now. */
export function fetchServer(serverId: number): Promise<ApiResult<ServerState>> {
  return apiRequest<ServerJson>("GET", `/api/servers/${serverId}`);
}

/** `POST /api/servers/:id/connect` or `/disconnect`: the server as it is after. */
export function connectServer(
  serverId: number,
  action: "connect" | "disconnect",
): Promise<ApiResult<ServerState>> {
  return apiRequest<ServerJson>("POST", `/api/servers/${serverId}/${action}`);
}

/** `GET /api/servers/:id/messages`: a page of a window's history, oldest first. */
export function fetchMessages(
  serverId: number,
  query: { target: string | null; limit: number; before?: number },
): Promise<ApiResult<MessageJson[]>> {
  const params = new URLSearchParams({ limit: String(query.limit) });
  if (query.target !== null) params.set("target", query.target);
  if (query.before !== undefined) params.set("before", String(query.before));
  return apiRequest<MessageJson[]>("GET", `/api/servers/${serverId}/messages?${params}`);
}

/**
 * `POST /api/servers/:id/messages` with the line's own id: `201` with the
 * stored message, or `200` / `202` once the app took a line it stores no
 * message for (yet).
 */
export function sendLine(
  serverId: number,
  line: { target: string | null; content: string; clientId: string },
): Promise<ApiResult<MessageJson | undefined>> {
  return apiRequest<MessageJson>("POST", `/api/servers/${serverId}/messages`, {
    target: line.target,
    content: line.content,
    client_id: line.clientId,
  }).then((result) => result.ok && result.status !== 201 ? { ...result, data: undefined } : result);
}

/** `POST /servers/:id/read` (the page's own route): the window was read up to message `id`. */
export function markRead(serverId: number, target: string, id: number): Promise<ApiResult<undefined>> {
  return apiRequest<undefined>("POST", `/servers/${serverId}/read`, { target, id });
}
