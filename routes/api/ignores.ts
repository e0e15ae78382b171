/**
 * A server's ignore list (`lib/ignores.ts`): `GET`, `POST` and `DELETE` of
 * `/api/servers/:id/ignores`, as docs/api.md describes them. Nothing is
 * filtered here: history and the live stream send every line.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import type { Db } from "../../lib/db/database.ts";
import { addIgnore, ignoreMask, listIgnores, MAX_IGNORES, removeIgnore } from "../../lib/ignores.ts";
import { invalid, isObject, notFound, readJson } from "./json.ts";
import type { ServerEnv } from "./userServer.ts";

/** The result of an ignore or unignore, as the messages route answers `/ignore` too. */
export type IgnoreOutcome =
  | { ok: true; status: 200 | 201; ignores: string[] }
  | { ok: false; status: 404 | 409 | 422; error: string };

/** Adds (`add`) or removes `mask` on `serverId`'s list. */
export async function changeIgnore(
  db: Db,
  serverId: number,
  mask: string,
  add: boolean,
): Promise<IgnoreOutcome> {
  const checked = ignoreMask(mask);
  if (!checked.ok) return { ok: false, status: 422, error: checked.error };
  if (add) {
    if (!await addIgnore(db, serverId, checked.mask)) {
      return { ok: false, status: 409, error: `The ignore list is full (${MAX_IGNORES})` };
    }
  } else if (!await removeIgnore(db, serverId, checked.mask)) {
    return { ok: false, status: 404, error: `${checked.mask} is not ignored` };
  }
  return { ok: true, status: add ? 201 : 200, ignores: await listIgnores(db, serverId) };
}

/** The ignore routes, under `/api`. */
export function ignoreRoutes(db: Db): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  app.get(
    "/servers/:id/ignores",
    async (c) => c.json({ ignores: await listIgnores(db, c.get("server").id) }),
  );
  app.post("/servers/:id/ignores", async (c) => {
    const body = await readJson(c);
    if (!body.ok) return body.response;
    if (!isObject(body.value) || typeof body.value.mask !== "string") {
      return invalid(c, "mask", "mask is required (a nick, or a pattern with * and ?)");
    }
    return ignoreAnswer(c, await changeIgnore(db, c.get("server").id, body.value.mask, true));
  });
  app.delete("/servers/:id/ignores/:mask", async (c) => {
    const outcome = await changeIgnore(db, c.get("server").id, c.req.param("mask"), false);
    return !outcome.ok && outcome.status === 404 ? notFound(c, outcome.error) : ignoreAnswer(c, outcome);
  });
  return app;
}

/** The answer to an {@link IgnoreOutcome}. */
export function ignoreAnswer(c: Context, outcome: IgnoreOutcome): Response {
  if (outcome.ok) return c.json({ ignores: outcome.ignores }, outcome.status);
  if (outcome.status === 422) return invalid(c, "mask", outcome.error);
  return c.json({ error: outcome.error }, outcome.status);
}
