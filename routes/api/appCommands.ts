/**
 * What `POST /api/servers/:id/messages` answers for the lines that are the
 * app's own rather than IRC's (`appCommandOf` in `lib/slashCommand.ts`):
 * `/help` (`200 {"ok":true,"help":[...]}`), `/query nick` (`200
 * {"ok":true,"window":"nick"}`: the window to open), `/ignore`
 * (`{"ok":true,"ignores":[...]}`, the list after it) and `/unignore`.
 *
 * @module
 */
import type { Context } from "hono";
import type { Db } from "../../lib/db/database.ts";
import { listIgnores } from "../../lib/ignores.ts";
import { type AppCommand, SLASH_HELP } from "../../lib/slashCommand.ts";
import { changeIgnore } from "./ignores.ts";
import { invalid } from "./json.ts";

/**
 * The answer to `command` on `serverId`, or `undefined` when it is for IRC
 * after all (`/query nick text`, a message).
 */
export async function appCommandAnswer(
  c: Context,
  db: Db,
  serverId: number,
  command: AppCommand | { kind: "error"; error: string },
): Promise<Response | undefined> {
  switch (command.kind) {
    case "error":
      return invalid(c, "content", command.error);
    case "help":
      return c.json({ ok: true, help: SLASH_HELP.map(([usage, meaning]) => `${usage}: ${meaning}`) });
    case "query":
      return command.text ? undefined : c.json({ ok: true, window: command.nick });
    case "ignore":
    case "unignore": {
      if (command.mask === null) return c.json({ ok: true, ignores: await listIgnores(db, serverId) });
      const outcome = await changeIgnore(db, serverId, command.mask, command.kind === "ignore");
      if (!outcome.ok) {
        return outcome.status === 422
          ? invalid(c, "content", outcome.error)
          : c.json({ error: outcome.error }, outcome.status);
      }
      return c.json({ ok: true, ignores: outcome.ignores });
    }
  }
}
