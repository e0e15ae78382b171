/**
 * The small vocabulary every API route speaks: reading a JSON body, the
 * `422` that names a field, and ids in paths.
 *
 * @module
 */
import type { Context } from "hono";

/** A request body: its parsed JSON, or the `422` answer to send instead. */
export type Body = { ok: true; value: unknown } | { ok: false; response: Response };

/**
 * Parses the JSON body. An empty body is `undefined` when `optional`, and
 * a `422` otherwise, like a body that is not JSON.
 */
export async function readJson(c: Context, optional = false): Promise<Body> {
  const text = await c.req.text();
  if (text.trim() === "") {
    return optional
      ? { ok: true, value: undefined }
      : { ok: false, response: invalid(c, "body", "body must be a JSON object") };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, response: invalid(c, "body", "body is not valid JSON") };
  }
}

/** `422 {"error": ..., "field": ...}`: what is wrong with the input, and where. */
export function invalid(c: Context, field: string, error: string): Response {
  return c.json({ error, field }, 422);
}

/** `404 {"error": "Not found"}`, also for what exists but belongs to someone else. */
export function notFound(c: Context, what = "Not found"): Response {
  return c.json({ error: what }, 404);
}

/** A positive integer id from a path segment, or `undefined`. */
export function parseId(text: string | undefined): number | undefined {
  if (!text || !/^[1-9][0-9]{0,9}$/.test(text)) return undefined;
  const id = Number(text);
  return id <= 2_147_483_647 ? id : undefined;
}

/** Whether `value` is a plain JSON object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
