/**
 * A server's windows as the navigation lists them, and the user's
 * arrangement of them (`lib/windowOrder.ts`): `GET /api/servers/:id/windows`,
 * `PUT /api/servers/:id/windows/order`, `DELETE /api/servers/:id/windows/:target`
 * (closing; parting a channel is a `/part` of its own), as docs/api.md says.
 *
 * @module
 */
import { Hono } from "hono";
import type { Db } from "../../lib/db/database.ts";
import { ServiceBus } from "../../lib/serviceBus.ts";
import { isChannelName, isQueryTarget } from "../../lib/ircCommand.ts";
import { closeWindow, MAX_ORDERED_WINDOWS, saveWindowOrder } from "../../lib/windowOrder.ts";
import { listWindows } from "../../lib/windows.ts";
import { invalid, isObject, readJson } from "./json.ts";
import type { ServerEnv } from "./userServer.ts";

function isWindowName(name: unknown): name is string {
  return typeof name === "string" && (isChannelName(name) || isQueryTarget(name));
}

/** The window routes, under `/api`. */
export function windowRoutes(db: Db): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  app.get("/servers/:id/windows", async (c) => c.json(await listWindows(db, c.get("server"))));
  app.put("/servers/:id/windows/order", async (c) => {
    const body = await readJson(c);
    if (!body.ok) return body.response;
    const targets = isObject(body.value) ? body.value.targets : undefined;
    if (!Array.isArray(targets) || targets.length > MAX_ORDERED_WINDOWS || !targets.every(isWindowName)) {
      return invalid(
        c,
        "targets",
        `targets must be a list of at most ${MAX_ORDERED_WINDOWS} channel names and nicks, first on top`,
      );
    }
    const server = c.get("server");
    // The user's other pages hear of it on their live streams.
    await saveWindowOrder(db, server.id, targets, ServiceBus);
    return c.json(await listWindows(db, server));
  });
  app.delete("/servers/:id/windows/:target", async (c) => {
    const target = c.req.param("target");
    if (!isWindowName(target)) return invalid(c, "target", "target must be a channel name or a nick");
    await closeWindow(db, c.get("server").id, target);
    return c.body(null, 204);
  });
  return app;
}
