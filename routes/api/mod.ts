/**
 * The JSON API under `/api`, put together. `createApp` puts `requireUser`
 * in front of it, so every route here has `c.get("user")`.
 *
 * @module
 */
import { Hono } from "hono";
import type { Db } from "../../lib/db/database.ts";
import type { ServerSupervisor } from "../../lib/supervisor/serverSupervisor.ts";
import type { WorkerConnectionPool } from "../../lib/ircCommandSender.ts";
import type { CommandRouter } from "../../lib/cluster/commandRouter.ts";
import type { AuthEnv } from "../middleware/auth.ts";
import type { ServiceBus } from "../../lib/serviceBus.ts";
import { accountRoutes } from "./account.ts";
import { channelRoutes } from "./channels.ts";
import { channelListRoutes } from "./channelList.ts";
import { ignoreRoutes } from "./ignores.ts";
import { commandRoutes } from "./commands.ts";
import { messageRoutes } from "./messages.ts";
import { memberRoutes } from "./members.ts";
import { searchRoutes } from "./search.ts";
import { serverRoutes } from "./servers.ts";
import { pushRoutes } from "./push.ts";
import { loadUserServer, UserServerCache } from "./userServer.ts";
import { windowRoutes } from "./windows.ts";

/** What the API routes need. */
export interface ApiDeps {
  db: Db;
  supervisor: ServerSupervisor;
  /** Connections to the workers kept between commands; one per command without it. */
  workerConnections?: WorkerConnectionPool;
  /** Reaches the workers other app instances run (lib/cluster/commandRouter.ts); this instance's only without it. */
  commandRouter?: CommandRouter;
  /** Where push subscription changes are told (`routes/api/push.ts`). */
  bus?: ServiceBus;
}

/** Every `/api` route except the event stream (`routes/api/events.ts`). */
export function apiRoutes(deps: ApiDeps): Hono<AuthEnv> {
  const api = new Hono<AuthEnv>();
  // Every route about one server finds it among the user's own, first;
  // commands through a cache, since they are the API's hot path.
  api.use("/servers/:id/commands", loadUserServer(deps.db, new UserServerCache(deps.db)));
  api.use("/servers/:id", loadUserServer(deps.db));
  api.use("/servers/:id/*", loadUserServer(deps.db));
  api.route("/", accountRoutes(deps.db));
  api.route("/", serverRoutes(deps.db, deps.supervisor));
  api.route("/", commandRoutes(deps.supervisor, deps.workerConnections, deps.commandRouter));
  api.route("/", channelRoutes(deps.db));
  api.route("/", channelListRoutes(deps.db));
  api.route("/", ignoreRoutes(deps.db));
  api.route("/", memberRoutes(deps.db));
  api.route("/", messageRoutes(deps.db, deps.supervisor, deps.workerConnections, deps.commandRouter));
  api.route("/", searchRoutes(deps.db));
  api.route("/", pushRoutes({ db: deps.db, bus: deps.bus }));
  api.route("/", windowRoutes(deps.db));
  return api;
}
