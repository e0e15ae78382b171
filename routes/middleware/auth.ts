/**
 * Who is asking: an API token (`Authorization: Bearer`) or a session cookie.
 * Every `/api` route runs behind {@link requireUser}; pages use
 * {@link authenticate} to decide between showing themselves and the login.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Db } from "../../lib/db/database.ts";
import { findTokenUser } from "../../lib/auth/apiTokens.ts";
import { type AuthUser, findSessionUser, type NewSession } from "../../lib/auth/sessions.ts";
import { isSameOrigin } from "./security.ts";

/** The session cookie's name. */
export const SESSION_COOKIE = "ircweb_session";

/** How a request proved who it is. */
export type AuthMethod = "token" | "session";

/** What `Deno.serve` hands every request, when it does (tests may not). */
export type ServeBindings = { remoteAddr?: Deno.NetAddr | Deno.UnixAddr };

/** The Hono environment of authenticated routes. */
export interface AuthEnv {
  Bindings: ServeBindings;
  Variables: { user: AuthUser; authMethod: AuthMethod };
}

/** The answer when the credentials are missing or wrong. */
export type Authentication =
  | { ok: true; user: AuthUser; method: AuthMethod; renewedCookie?: NewSession }
  | { ok: false; error: string };

/**
 * Checks the request's credentials. A request that sends an
 * `Authorization` header is judged by it alone, never by a cookie as well.
 * When this use extended the session, the cookie is set again on `c` with
 * the new expiry (and returned as `renewedCookie`): the browser keeps it
 * only until the expiry it was last sent with, whatever the row says.
 */
export async function authenticate(db: Db, c: Context): Promise<Authentication> {
  const header = c.req.header("authorization");
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) return { ok: false, error: "Authorization must be Bearer <token>" };
    const user = await findTokenUser(db, match[1]);
    return user ? { ok: true, user, method: "token" } : { ok: false, error: "Invalid API token" };
  }
  const cookie = getCookie(c, SESSION_COOKIE);
  if (cookie) {
    const session = await findSessionUser(db, cookie);
    if (!session) return { ok: false, error: "Session expired; log in again" };
    if (!session.extendedUntil) return { ok: true, user: session.user, method: "session" };
    // Set here rather than by each caller: pages check the session through
    // this too, and answer with the context's own responses, which carry it.
    const renewedCookie = { token: cookie, expiresAt: session.extendedUntil };
    setSessionCookie(c, renewedCookie);
    return { ok: true, user: session.user, method: "session", renewedCookie };
  }
  return { ok: false, error: "Authentication required" };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses a request without valid credentials with `401`, and a
 * cookie-authenticated write from another origin with `403` (whatever its
 * content type: JSON from a foreign page is refused too). Token requests
 * need no CSRF check: browsers never add the header by themselves.
 */
export function requireUser(db: Db): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const auth = await authenticate(db, c);
    if (!auth.ok) {
      c.header("WWW-Authenticate", 'Bearer realm="ircweb"');
      return c.json({ error: auth.error }, 401);
    }
    if (auth.method === "session" && !SAFE_METHODS.has(c.req.method) && !isSameOrigin(c)) {
      return c.json({ error: "Cross-site request refused" }, 403);
    }
    c.set("user", auth.user);
    c.set("authMethod", auth.method);
    await next();
    // A route answering with a Response of its own (the event stream) drops
    // the headers set on the context before it: set the cookie on it again.
    if (auth.renewedCookie && !setsSessionCookie(c.res)) setSessionCookie(c, auth.renewedCookie);
  };
}

/** Whether `response` sets the session cookie. */
function setsSessionCookie(response: Response): boolean {
  return response.headers.getSetCookie().some((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`));
}

// Requests whose cookie's `Secure` flag the app's `PUBLIC_URL` decided.
const secureByRequest = new WeakMap<Context, boolean>();

/**
 * Decides the session cookie's `Secure` flag by `publicUrl` (`PUBLIC_URL`)
 * when it is set: `https` makes every session cookie `Secure`, whatever a
 * proxy sends or leaves out. Without it, the request is asked ({@link setSessionCookie}).
 */
export function cookiePolicy(publicUrl: string | undefined): MiddlewareHandler {
  const secure = publicUrl === undefined ? undefined : new URL(publicUrl).protocol === "https:";
  return async (c, next) => {
    if (secure !== undefined) secureByRequest.set(c, secure);
    await next();
  };
}

// Whether the cookie is for HTTPS: as `PUBLIC_URL` says, else whether the
// request came over HTTPS, directly or through a proxy that says so.
function isHttps(c: Context): boolean {
  const decided = secureByRequest.get(c);
  if (decided !== undefined) return decided;
  return new URL(c.req.url).protocol === "https:" ||
    c.req.header("x-forwarded-proto")?.split(",")[0].trim() === "https";
}

/** Sets the session cookie: HttpOnly, SameSite=Lax, Secure behind HTTPS (see {@link cookiePolicy}). */
export function setSessionCookie(c: Context, session: NewSession): void {
  setCookie(c, SESSION_COOKIE, session.token, {
    httpOnly: true,
    sameSite: "Lax",
    secure: isHttps(c),
    path: "/",
    expires: session.expiresAt,
  });
}

/** Removes the session cookie. */
export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", httpOnly: true, sameSite: "Lax", secure: isHttps(c) });
}

/**
 * The client's address, for throttling; `unknown` when the server does not
 * say. Behind a proxy in `trustedProxies` (the connection comes from it),
 * the address that proxy saw: the last entry of `X-Forwarded-For` that is
 * not itself a trusted proxy; from anyone else the header is not believed.
 * An IPv6 address counts as its /64, which one client commonly has whole.
 */
export function clientAddress(
  c: Context<{ Bindings: ServeBindings }>,
  trustedProxies: readonly string[] = [],
): string {
  const addr = c.env?.remoteAddr;
  if (!addr || !("hostname" in addr)) return "unknown";
  let address = addr.hostname;
  if (trustedProxies.includes(address)) {
    const forwarded = (c.req.header("x-forwarded-for") ?? "").split(",").map((entry) => entry.trim())
      .filter((entry) => entry !== "");
    for (let i = forwarded.length - 1; i >= 0; i--) {
      address = forwarded[i];
      if (!trustedProxies.includes(address)) break;
    }
  }
  return addressKey(address);
}

/**
 * Warns once, through `warn`, when a request carries `X-Forwarded-For` from
 * a peer not in `trustedProxies`: likely a reverse proxy left out of
 * `TRUSTED_PROXIES`, behind which every client shares its address, so a few
 * failed logins lock everyone out of logging in.
 */
export function warnUntrustedForwarding(
  trustedProxies: readonly string[],
  warn: (message: string) => void,
): MiddlewareHandler<{ Bindings: ServeBindings }> {
  let warned = false;
  return async (c, next) => {
    if (!warned && c.req.header("x-forwarded-for") !== undefined) {
      const addr = c.env?.remoteAddr;
      const peer = addr && "hostname" in addr ? addr.hostname : undefined;
      if (peer !== undefined && !trustedProxies.includes(peer)) {
        warned = true;
        warn(
          `requests come with X-Forwarded-For from ${peer}, which is not in TRUSTED_PROXIES: the header ` +
            `is not believed, and the login throttle counts every client behind ${peer} as one, so a few ` +
            `failed logins lock everyone out. If ${peer} is your reverse proxy, set TRUSTED_PROXIES=${peer}`,
        );
      }
    }
    await next();
  };
}

// IPv4 as is; IPv6 as its /64 (an IPv4-mapped one as the IPv4 address).
function addressKey(address: string): string {
  const bare = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "").toLowerCase();
  if (!bare.includes(":")) return bare;
  const mapped = /^::ffff:([0-9.]+)$/.exec(bare);
  if (mapped) return mapped[1];
  const [head, tail] = bare.includes("::") ? bare.split("::") : [bare, undefined];
  const front = head ? head.split(":") : [];
  const back = tail ? tail.split(":") : [];
  const groups = tail === undefined
    ? front
    : [...front, ...Array(8 - front.length - back.length).fill("0"), ...back];
  if (groups.length !== 8 || !groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return bare;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}
