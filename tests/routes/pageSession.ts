/**
 * Calling the HTML pages as a logged-in browser without JavaScript does: a
 * session cookie, and forms posted from the same origin.
 *
 * @module
 */
import { createSession } from "../../lib/auth/sessions.ts";
import type { TestApp, TestUser } from "./testApp.ts";

/** The origin the pages' forms are posted from in these tests. */
export const ORIGIN = "http://127.0.0.1:8000";

/** A session of `user`, as the `cookie` header a browser sends after logging in. */
export async function sessionCookie(t: TestApp, user: TestUser): Promise<string> {
  const session = await createSession(t.database.db, user.id);
  return `ircweb_session=${session.token}`;
}

/** Posts `fields` to `path` as a same-origin HTML form with `cookie`. */
export function postForm(
  t: TestApp,
  path: string,
  cookie: string,
  fields: Record<string, string>,
): Promise<Response> {
  return t.call(path, {
    method: "POST",
    headers: {
      cookie,
      origin: ORIGIN,
      "sec-fetch-site": "same-origin",
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams(fields).toString(),
  });
}
