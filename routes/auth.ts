/**
 * Logging in and out, and creating the first account (`POST /login`,
 * `/logout`, `/setup`): a JSON body is answered in JSON, a form with a `303`
 * (`?error=<code>` on failure, {@link AuthErrorCode}), as docs/api.md,
 * "Log-in and first run", describes. The pages themselves are elsewhere.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import type { Db } from "../lib/db/database.ts";
import { createSession, deleteSession } from "../lib/auth/sessions.ts";
import { DEFAULT_THROTTLE_LIMITS, LoginThrottle, type ThrottleLimits } from "../lib/auth/loginThrottle.ts";
import { checkLogin, createFirstUser, UserError } from "../lib/users.ts";
import { getCookie } from "hono/cookie";
import { localPath } from "./localPath.ts";
import { PasswordsBusyError } from "../lib/auth/password.ts";
import {
  clearSessionCookie,
  clientAddress,
  type ServeBindings,
  SESSION_COOKIE,
  setSessionCookie,
} from "./middleware/auth.ts";

/**
 * Why a form was sent back to its page: `invalid` (wrong name or password),
 * `throttled` (too many failures), `busy` (too many logins at once),
 * `missing` (no name or password), `name` or `password` (not acceptable
 * for a new account).
 */
export type AuthErrorCode = "invalid" | "throttled" | "busy" | "missing" | "name" | "password";

/** Options of {@link authRoutes}. */
export interface AuthRoutesOptions {
  /** Login throttling limits; the defaults otherwise. */
  throttleLimits?: ThrottleLimits;
  /** Addresses of proxies whose `X-Forwarded-For` is believed (see `clientAddress`). */
  trustedProxies?: readonly string[];
}

type Env = { Bindings: ServeBindings };

interface Credentials {
  name: string;
  password: string;
  next: string | undefined;
  form: boolean;
}

/** Input that is not credentials: which field is missing or wrong (and how, when not missing). */
interface NoCredentials {
  form: boolean;
  missing: "body" | "name" | "password";
  error?: string;
}

/** Reads `{name, password, next?}` from a JSON body or a form. */
async function readCredentials(c: Context<Env>): Promise<Credentials | NoCredentials> {
  const type = c.req.header("content-type") ?? "";
  const form = /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type);
  let raw: unknown;
  try {
    raw = form ? await c.req.parseBody() : await c.req.json();
  } catch {
    return { form, missing: "body" };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { form, missing: "body" };
  const { name, password, next } = raw as Record<string, unknown>;
  if (typeof name !== "string" || name.trim() === "") return { form, missing: "name" };
  // A name no account can have is not worth a throttle row (nor a hash).
  if (!plausibleName(name.trim())) return { form, missing: "name", error: "name is not a user's name" };
  if (typeof password !== "string" || password === "") return { form, missing: "password" };
  return { name: name.trim(), password, next: typeof next === "string" ? next : undefined, form };
}

/** Longest name looked up at login (names are at most 64 characters: `lib/users.ts`). */
const MAX_NAME_LENGTH = 200;

/** Whether `name` could be a user's name: not too long, no control characters. */
function plausibleName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && !/\p{Cc}/u.test(name);
}

/** The login, logout and first-run routes. */
export function authRoutes(db: Db, options: AuthRoutesOptions = {}): Hono<Env> {
  const throttle = new LoginThrottle(db, options.throttleLimits ?? DEFAULT_THROTTLE_LIMITS);
  const app = new Hono<Env>();

  const fail = (
    c: Context<Env>,
    form: boolean,
    page: string,
    code: AuthErrorCode,
    status: 401 | 429,
    error: string,
  ) => form ? c.redirect(`${page}?error=${code}`, 303) : c.json({ error }, status);
  const invalidInput = (
    c: Context<Env>,
    form: boolean,
    page: string,
    code: AuthErrorCode,
    field: string,
    error: string,
  ) => form ? c.redirect(`${page}?error=${code}`, 303) : c.json({ error, field }, 422);
  const missing = (c: Context<Env>, input: NoCredentials, page: string) =>
    invalidInput(
      c,
      input.form,
      page,
      "missing",
      input.missing,
      input.error ??
        (input.missing === "body" ? "body must hold a name and a password" : `${input.missing} is required`),
    );

  app.post("/login", async (c) => {
    const input = await readCredentials(c);
    if ("missing" in input) return missing(c, input, "/login");
    const address = clientAddress(c, options.trustedProxies);
    const verdict = await throttle.attempt(input.name, address);
    if (!verdict.allowed) {
      c.header("Retry-After", String(verdict.retryAfterSeconds));
      const minutes = Math.ceil(verdict.retryAfterSeconds / 60);
      return fail(
        c,
        input.form,
        "/login",
        "throttled",
        429,
        `Too many failed logins; try again in ${minutes} minute${minutes === 1 ? "" : "s"}`,
      );
    }
    let user: Awaited<ReturnType<typeof checkLogin>>;
    try {
      user = await checkLogin(db, input.name, input.password);
    } catch (error) {
      if (!(error instanceof PasswordsBusyError)) throw error;
      c.header("Retry-After", "5");
      return input.form ? c.redirect("/login?error=busy", 303) : c.json({ error: error.message }, 503);
    }
    // The attempt already counts as a failure (`attempt`); a success forgets it.
    if (!user) return fail(c, input.form, "/login", "invalid", 401, "Wrong name or password");
    await throttle.recordSuccess(input.name, address);
    setSessionCookie(c, await createSession(db, user.id));
    return input.form ? c.redirect(localPath(input.next, "/"), 303) : c.json({ user });
  });

  app.post("/logout", async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (token) await deleteSession(db, token);
    clearSessionCookie(c);
    const type = c.req.header("content-type") ?? "";
    return /json/i.test(type) || c.req.header("accept")?.includes("application/json")
      ? c.json({ ok: true })
      : c.redirect("/login", 303);
  });

  app.post("/setup", async (c) => {
    const input = await readCredentials(c);
    if ("missing" in input) return missing(c, input, "/setup");
    let user;
    try {
      user = await createFirstUser(db, input.name, input.password);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      // The name goes back to the form (never the password), so the user fixes one field, not two.
      const page = `/setup?name=${encodeURIComponent(input.name)}`;
      return input.form
        ? c.redirect(`${page}&error=${error.field}`, 303)
        : invalidInput(c, false, "/setup", error.field, error.field, error.message);
    }
    // The first-run page is gone once any account exists.
    if (!user) return input.form ? c.redirect("/login", 303) : c.json({ error: "Not found" }, 404);
    setSessionCookie(c, await createSession(db, user.id));
    return input.form ? c.redirect("/", 303) : c.json({ user }, 201);
  });

  return app;
}
