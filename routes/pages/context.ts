/**
 * What the page routes share: their dependencies, the signed-in user, and
 * calling the JSON API in-process, so a form post does exactly what the
 * same request to the API does (one implementation of each write).
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { AssetStore } from "../../lib/assets.ts";
import type { AuthUser } from "../../lib/auth/sessions.ts";
import type { Db } from "../../lib/db/database.ts";
import type { Server } from "../../lib/db/schema.ts";
import { encodeCursor } from "../../lib/events/cursor.ts";
import { userEventHeads } from "../../lib/events/eventLog.ts";
import { listUserServers } from "../../lib/servers.ts";
import { isFirstRun } from "../../lib/users.ts";
import { getUserSettings, type Theme, THEMES } from "../../lib/userSettings.ts";
import { authenticate } from "../middleware/auth.ts";

/** What the pages need. */
export interface PageDeps {
  db: Db;
  /** The browser assets (bundle and stylesheet). */
  assets: () => Promise<AssetStore>;
  /** Answers a request as the whole app would (for the API's writes). */
  fetch: (request: Request) => Promise<Response>;
}

/** The Hono environment of pages behind {@link requirePageUser}. */
export interface PageEnv {
  Variables: { user: AuthUser; theme: Theme };
}

// The last theme a user of this browser chose: the pages before logging in
// (no user yet) show it too. Not a secret, and no session: a plain cookie.
const THEME_COOKIE = "ircweb_theme";

/**
 * The theme of the page answering `c`: the signed-in user's, else the one
 * last seen in this browser, else the system's (`auto`).
 */
export function pageTheme(c: Context): Theme {
  const set = (c as Context<PageEnv>).get("theme");
  if (set) return set;
  const remembered = getCookie(c, THEME_COOKIE);
  return (THEMES as readonly string[]).includes(remembered ?? "") ? remembered as Theme : "auto";
}

/** Takes `theme` as the user's for this request, and remembers it in the browser for the pages before login. */
export function useTheme(c: Context, theme: Theme): void {
  (c as Context<PageEnv>).set("theme", theme);
  // No cookie stands for `auto`: a browser of a user who never chose a theme gets none.
  if ((getCookie(c, THEME_COOKIE) ?? "auto") === theme) return;
  const secure = new URL(c.req.url).protocol === "https:" ||
    c.req.header("x-forwarded-proto")?.split(",")[0].trim() === "https";
  setCookie(c, THEME_COOKIE, theme, { sameSite: "Lax", secure, path: "/", maxAge: 400 * 24 * 3600 });
}

/**
 * Lets signed-in users through; sends others to the login page (or the
 * first-run page while there is no account), remembering where they were
 * going.
 */
export function requirePageUser(db: Db): MiddlewareHandler<PageEnv> {
  return async (c, next) => {
    const auth = await authenticate(db, c);
    if (!auth.ok) {
      if (await isFirstRun(db)) return c.redirect("/setup", 303);
      const url = new URL(c.req.url);
      const target = c.req.method === "GET" ? url.pathname + url.search : "/";
      return c.redirect(target === "/" ? "/login" : `/login?next=${encodeURIComponent(target)}`, 303);
    }
    c.set("user", auth.user);
    useTheme(c, (await getUserSettings(db, auth.user.id)).theme);
    await next();
  };
}

/** The user's servers as a page with live islands shows them, and where its live stream starts. */
export interface LivePage {
  /** The user's servers, oldest first, read after the cursor was taken. */
  servers: Server[];
  /** The page's `eventCursor`: its live stream sends what came after it. */
  cursor: string;
}

/**
 * Reads the user's servers for a page with live islands, and the cursor its
 * live stream starts from. The cursor is taken first: a change committed
 * after it reaches the page through the stream, even if it also made it
 * into the rows (islands take the newer state again). Taken after the rows,
 * a change committed between the two reads would be in neither, and the
 * page would show the older state (say "connecting" while connected) until
 * the next change. Whatever else such a page shows must be read after this.
 */
export async function readLivePage(db: Db, userId: number): Promise<LivePage> {
  const heads = await userEventHeads(db, userId);
  const servers = await listUserServers(db, userId);
  // A server added since the cursor was taken: all of its events are after it.
  for (const server of servers) if (!heads.has(server.id)) heads.set(server.id, 0);
  // One deleted since then: the stream has nothing more of it to send.
  for (const id of heads.keys()) if (!servers.some((s) => s.id === id)) heads.delete(id);
  return { servers, cursor: encodeCursor(heads) };
}

/** An answer of the API: its status and parsed JSON (`undefined` when empty). */
export interface ApiAnswer {
  status: number;
  data: unknown;
}

/** The `error` text of an API answer, or a generic one. */
export function apiError(answer: ApiAnswer): string {
  const data = answer.data;
  if (typeof data === "object" && data !== null && "error" in data && typeof data.error === "string") {
    return data.error;
  }
  return `Something went wrong (${answer.status})`;
}

/** The `field` of a `422` answer. */
export function apiErrorField(answer: ApiAnswer): string | undefined {
  const data = answer.data;
  return typeof data === "object" && data !== null && "field" in data && typeof data.field === "string"
    ? data.field
    : undefined;
}

// The headers that carry who is asking and from where: the API checks the
// same session, and the same origin the form post was already checked for.
const FORWARDED = ["cookie", "origin", "sec-fetch-site", "user-agent"];

/** Sends `method path` with `body` as JSON to the app's API on behalf of the request `c`. */
export async function callApi(
  deps: PageDeps,
  c: Context,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiAnswer> {
  const headers = new Headers({ accept: "application/json" });
  for (const name of FORWARDED) {
    const value = c.req.header(name);
    if (value !== undefined) headers.set(name, value);
  }
  if (body !== undefined) headers.set("content-type", "application/json");
  const response = await deps.fetch(
    new Request(new URL(path, c.req.url), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  const text = await response.text();
  let data: unknown;
  try {
    data = text === "" ? undefined : JSON.parse(text);
  } catch {
    data = undefined;
  }
  return { status: response.status, data };
}

/** Reads a form body as strings (files and repeated fields are ignored). */
export async function readForm(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const form: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) if (typeof value === "string") form[key] = value;
  return form;
}
