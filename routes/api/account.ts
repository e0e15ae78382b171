/**
 * The signed-in user and their API tokens: `GET /api/me` and
 * `/api/tokens`, `POST /api/tokens` (the only time a token is shown),
 * `DELETE /api/tokens/:id`, as docs/api.md, "Account and tokens", describes.
 *
 * @module
 */
import { Hono } from "hono";
import type { Db } from "../../lib/db/database.ts";
import type { ApiToken } from "../../lib/db/schema.ts";
import { createApiToken, deleteApiToken, listApiTokens } from "../../lib/auth/apiTokens.ts";
import type { AuthEnv } from "../middleware/auth.ts";
import { invalid, isObject, notFound, parseId, readJson } from "./json.ts";

const MAX_LABEL = 100;

function tokenJson(row: ApiToken) {
  return { id: row.id, label: row.label, created_at: row.created_at, last_used_at: row.last_used_at };
}

/** The account routes, under `/api`. */
export function accountRoutes(db: Db): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get("/me", (c) => c.json(c.get("user")));

  app.get("/tokens", async (c) => c.json((await listApiTokens(db, c.get("user").id)).map(tokenJson)));

  app.post("/tokens", async (c) => {
    const body = await readJson(c, true);
    if (!body.ok) return body.response;
    if (body.value !== undefined && !isObject(body.value)) {
      return invalid(c, "body", "body must be a JSON object");
    }
    const label = body.value?.label ?? null;
    if (label !== null) {
      if (typeof label !== "string") return invalid(c, "label", "label must be a string");
      if (label.length > MAX_LABEL) {
        return invalid(c, "label", `label must be at most ${MAX_LABEL} characters`);
      }
    }
    const { token, row } = await createApiToken(db, c.get("user").id, label);
    return c.json({ ...tokenJson(row), token }, 201);
  });

  app.delete("/tokens/:id", async (c) => {
    const id = parseId(c.req.param("id"));
    if (id === undefined || !(await deleteApiToken(db, c.get("user").id, id))) {
      return notFound(c, "Token not found");
    }
    return c.body(null, 204);
  });

  return app;
}
