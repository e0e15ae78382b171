/**
 * Safe defaults for every response and every browser write: only the
 * app's own host names, security headers with a Content-Security-Policy
 * that allows no inline script, and CSRF protection.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { csrf } from "hono/csrf";
import { secureHeaders } from "hono/secure-headers";

/**
 * The Content-Security-Policy: scripts, styles and connections only from
 * this origin; no inline script, no `eval`, no plugins, no framing.
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:"],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/**
 * Refuses (`421`) a request naming a host not in `allowed` (names, in
 * lower case; brackets around IPv6 addresses): every origin check compares
 * with the host the request names, so a page of another site whose name
 * was pointed at this address (DNS rebinding) would pass them all.
 * `undefined` allows any.
 */
export function allowedHostsOnly(allowed: readonly string[] | undefined): MiddlewareHandler {
  if (allowed === undefined) return (_c, next) => next();
  const names = new Set(allowed);
  return async (c, next) => {
    if (names.has(new URL(c.req.url).hostname.toLowerCase())) return await next();
    return c.text("Unknown host: this app answers only to its own names (see ALLOWED_HOSTS)", 421);
  };
}

/** Hono's secure headers with the app's CSP. */
export function securityHeaders(): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: CONTENT_SECURITY_POLICY,
    xFrameOptions: "DENY",
    // HSTS on plain-HTTP localhost is ignored by browsers, and behind an
    // HTTPS proxy the proxy is the one to decide it.
    strictTransportSecurity: false,
  });
}

/**
 * Hono's CSRF check (Origin / Sec-Fetch-Site on form-like posts) for every
 * route outside `/api`: the login, logout and first-run forms and the pages'
 * forms. `/api` does its own, stricter check on cookie-authenticated
 * writes (see `requireUser`), and must not refuse token clients such as curl.
 */
export function formCsrf(): MiddlewareHandler {
  const check = csrf();
  return (c, next) => c.req.path === "/api" || c.req.path.startsWith("/api/") ? next() : check(c, next);
}

/**
 * Whether a browser request comes from a page of this origin: by
 * `Sec-Fetch-Site`, or else by `Origin`. A request with neither (not a
 * browser) is refused, since it carries a cookie.
 */
export function isSameOrigin(c: Context): boolean {
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined) return site === "same-origin";
  const origin = c.req.header("origin");
  return origin !== undefined && origin === new URL(c.req.url).origin;
}
