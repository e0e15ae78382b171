/**
 * A server's ignore list: nicks (or patterns of them, `*` and `?`) whose lines
 * its windows hide and its unread counts leave out; applied to what is shown,
 * not what is stored: {@link ignoreMatcher} in the UI, {@link ignoreLikePatterns} in SQL counts.
 *
 * @module
 */
import type { Db } from "./db/database.ts";

/** Most entries one server's list holds. */
export const MAX_IGNORES = 500;

// A nick's characters as networks allow them, with the two wildcards; no
// `!` or `@`: the list is of nicks, which is what a stored line names.
// deno-lint-ignore no-control-regex -- control characters are exactly what must be refused
const MASK = /^[^\s,!@\x00-\x1f#&:]{1,64}$/u;

/** The stored form of `mask` (lower case), or why it is no ignore mask. */
export function ignoreMask(mask: string): { ok: true; mask: string } | { ok: false; error: string } {
  const trimmed = mask.trim();
  if (!MASK.test(trimmed)) {
    return {
      ok: false,
      error: "An ignore is one nick, or a pattern of one with * and ? (no spaces, ! or @)",
    };
  }
  return { ok: true, mask: trimmed.toLowerCase() };
}

/**
 * Whether a line from `sender` is hidden by `masks` (stored forms). Case
 * is folded as RFC 1459 does (`[]\~` are the upper case of `{}|^`).
 */
export function ignoreMatcher(masks: readonly string[]): (sender: string | null) => boolean {
  if (masks.length === 0) return () => false;
  const patterns = masks.map((m) =>
    new RegExp(
      `^${
        [...fold(m)].map((c) => c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
          .join("")
      }$`,
      "su",
    )
  );
  return (sender) => sender !== null && sender !== "" && patterns.some((p) => p.test(fold(sender)));
}

/**
 * `masks` (stored forms) as SQL `LIKE` patterns over a sender folded with
 * `translate(lower(sender), '[]\~', '{}|^')`: what {@link ignoreMatcher} hides.
 */
export function ignoreLikePatterns(masks: readonly string[]): string[] {
  // `*` and `?` as LIKE's `%` and `_`; LIKE's own specials escaped (`\` is its default escape).
  return masks.map((m) =>
    [...fold(m)].map((c) => c === "*" ? "%" : c === "?" ? "_" : /[%_\\]/.test(c) ? `\\${c}` : c).join("")
  );
}

function fold(name: string): string {
  return name.toLowerCase().replace(/[[\]\\~]/g, (c) => ({ "[": "{", "]": "}", "\\": "|", "~": "^" })[c]!);
}

/** The list of `serverId`, oldest first. */
export async function listIgnores(db: Db, serverId: number): Promise<string[]> {
  const rows = await db.selectFrom("ignores").select("mask").where("server_id", "=", serverId)
    .orderBy("created_at").orderBy("mask").execute();
  return rows.map((r) => r.mask);
}

/** Adds `mask` (a stored form) to the list; `false` when the list is full. */
export async function addIgnore(db: Db, serverId: number, mask: string): Promise<boolean> {
  const { count } = await db.selectFrom("ignores").select((eb) => eb.fn.countAll<string>().as("count"))
    .where("server_id", "=", serverId).executeTakeFirstOrThrow();
  if (Number(count) >= MAX_IGNORES) return false;
  await db.insertInto("ignores").values({ server_id: serverId, mask })
    .onConflict((oc) => oc.columns(["server_id", "mask"]).doNothing()).execute();
  return true;
}

/** Removes `mask` (a stored form); whether it was there. */
export async function removeIgnore(db: Db, serverId: number, mask: string): Promise<boolean> {
  const result = await db.deleteFrom("ignores").where("server_id", "=", serverId).where("mask", "=", mask)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
