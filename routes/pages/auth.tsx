/**
 * `GET /login` and `GET /setup` (first-run account creation). The forms
 * post to `routes/auth.ts`, which sends them back here with `?error=<code>`
 * when something is wrong. Neither page ships any JavaScript.
 *
 * @module
 */
import { Hono } from "hono";
import type { AuthErrorCode } from "../auth.ts";
import { MIN_PASSWORD_LENGTH } from "../../lib/auth/password.ts";
import { isFirstRun } from "../../lib/users.ts";
import { authenticate } from "../middleware/auth.ts";
import { type PageDeps, pageTheme } from "./context.ts";
import { localPath } from "../localPath.ts";
import { Field, renderPage, TopBar } from "./layout.tsx";

const LOGIN_ERRORS: Partial<Record<AuthErrorCode, string>> = {
  invalid: "Wrong name or password.",
  throttled: "Too many failed logins. Wait a few minutes and try again.",
  busy: "Too many logins at once. Try again in a moment.",
  missing: "Enter your name and your password.",
};

const SETUP_ERRORS: Partial<Record<AuthErrorCode, string>> = {
  missing: "Choose a name and a password.",
  name: "That name cannot be used: use 1 to 64 letters, digits, dots, underscores or hyphens.",
  password: `That password cannot be used: it needs at least ${MIN_PASSWORD_LENGTH} characters.`,
};

function errorText(
  table: Partial<Record<AuthErrorCode, string>>,
  code: string | undefined,
): string | undefined {
  return code && Object.hasOwn(table, code) ? table[code as AuthErrorCode] : undefined;
}

/** The login and first-run pages. */
export function authPages(deps: PageDeps): Hono {
  const app = new Hono();

  app.get("/login", async (c) => {
    if (await isFirstRun(deps.db)) return c.redirect("/setup", 303);
    const next = localPath(c.req.query("next"), "/");
    if ((await authenticate(deps.db, c)).ok) return c.redirect(next, 303);
    const error = errorText(LOGIN_ERRORS, c.req.query("error"));
    const assets = (await deps.assets()).current;
    return c.html(
      renderPage(
        { title: "Log in", assets, bodyClass: "page-auth", theme: pageTheme(c) },
        <>
          <TopBar />
          <main class="auth-card">
            <h1>Log in</h1>
            {error ? <p class="form-error" role="alert">{error}</p> : null}
            <form method="post" action="/login" class="form">
              <input type="hidden" name="next" value={next} />
              <Field label="Name" name="name" required autoComplete="username" autoFocus />
              <Field
                label="Password"
                name="password"
                type="password"
                required
                autoComplete="current-password"
              />
              <button type="submit" class="button primary">Log in</button>
            </form>
          </main>
        </>,
      ),
    );
  });

  app.get("/setup", async (c) => {
    if (!(await isFirstRun(deps.db))) return c.redirect("/login", 303);
    const code = c.req.query("error");
    const error = errorText(SETUP_ERRORS, code);
    const assets = (await deps.assets()).current;
    return c.html(
      renderPage(
        { title: "Create your account", assets, bodyClass: "page-auth", theme: pageTheme(c) },
        <>
          <TopBar />
          <main class="auth-card">
            <h1>Welcome to ircweb</h1>
            <p class="lead">Create the first account. It can then add IRC servers and talk on them.</p>
            {/* A field's own problem is said next to it, not twice. */}
            {error && code !== "name" && code !== "password"
              ? <p class="form-error" role="alert">{error}</p>
              : null}
            <form method="post" action="/setup" class="form">
              <Field
                label="Name"
                name="name"
                required
                autoComplete="username"
                autoFocus
                value={c.req.query("name")?.slice(0, 64)}
                hint="Letters, digits, dots, underscores or hyphens."
                error={code === "name" ? error : undefined}
              />
              <Field
                label="Password"
                name="password"
                type="password"
                required
                autoComplete="new-password"
                minLength={MIN_PASSWORD_LENGTH}
                hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
                error={code === "password" ? error : undefined}
              />
              <button type="submit" class="button primary">Create account</button>
            </form>
          </main>
        </>,
      ),
    );
  });

  return app;
}
