/**
 * The web app's routes, put together.
 *
 * @module
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { Config } from "../lib/config.ts";
import type { Db } from "../lib/db/database.ts";
import type { ServerSupervisor } from "../lib/supervisor/serverSupervisor.ts";
import type { WorkerConnectionPool } from "../lib/ircCommandSender.ts";
import { healthRoutes } from "./health.ts";
import type { ThrottleLimits } from "../lib/auth/loginThrottle.ts";
import { errorMessage, logger } from "../lib/log.ts";
import { authRoutes } from "./auth.ts";
import { apiRoutes } from "./api/mod.ts";
import { eventsRoutes } from "./api/events.ts";
import type { ServiceBus } from "../lib/serviceBus.ts";
import type { EventFeed } from "../lib/events/eventFeed.ts";
import { listenForTokenDeletions } from "../lib/auth/apiTokens.ts";
import { type AuthEnv, cookiePolicy, requireUser, warnUntrustedForwarding } from "./middleware/auth.ts";
import { allowedHostsOnly, formCsrf, securityHeaders } from "./middleware/security.ts";
import { type AssetStore, sharedAssetStore } from "../lib/assets.ts";
import { assetRoutes } from "./assets.ts";
import { pageRoutes } from "./pages/mod.ts";
import { peerRoutes } from "./internal.ts";
import type { CommandRouter } from "../lib/cluster/commandRouter.ts";
import { COMMAND_TIMEOUT_MS } from "./api/commands.ts";

/** What the routes need from the rest of the app. */
export interface AppDeps {
  db: Db;
  config: Config;
  /** Starts and stops the servers' IRC workers. */
  supervisor: ServerSupervisor;
  /** Login throttling limits (tests lower them); the defaults otherwise. */
  loginLimits?: ThrottleLimits;
  /** The process's service bus: without one there is no `GET /api/events`. */
  bus?: ServiceBus;
  /** The receiver the event streams register with (shared with the push sender); made on `bus` when absent. */
  feed?: EventFeed;
  /** Heartbeat interval of event streams (tests shorten it). */
  eventsHeartbeatMs?: number;
  /** The browser's files (islands bundle, stylesheet); built on first use when absent. */
  assets?: AssetStore;
  /** Connections to the workers kept between commands (the owner closes it); one per command without it. */
  workerConnections?: WorkerConnectionPool;
  /** Reaches the workers other app instances run (lib/cluster/commandRouter.ts). */
  commandRouter?: CommandRouter;
  /** The key other instances sign their requests with (lib/cluster/instanceRpc.ts); no `/internal/peer` without it. */
  peerKey?: Uint8Array;
  /** Where warnings about the set-up go (tests read them); the `http` log otherwise. */
  warn?: (message: string) => void;
}

const log = logger("http");
const isApi = (path: string) => path === "/api" || path.startsWith("/api/");

/** The Hono app serving every route. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  // Before the host check: other instances name this one by its internal address, and sign.
  if (deps.peerKey) {
    app.route("/", peerRoutes({ ...deps, key: deps.peerKey, commandTimeoutMs: COMMAND_TIMEOUT_MS }));
  }
  app.use("*", allowedHostsOnly(deps.config.allowedHosts));
  app.use("*", securityHeaders());
  app.use("*", formCsrf());
  app.use("*", cookiePolicy(deps.config.publicUrl));
  app.use("*", warnUntrustedForwarding(deps.config.trustedProxies, deps.warn ?? log.warn));
  // Every body, before anything reads it: the login and setup forms too,
  // which anyone may post to.
  app.use(
    "*",
    bodyLimit({
      maxSize: 64 * 1024,
      onError: (c) =>
        isApi(c.req.path)
          ? c.json({ error: "Request body too large" }, 413)
          : c.text("Request body too large", 413),
    }),
  );
  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    log.error(`${c.req.method} ${c.req.path}: ${errorMessage(error)}`);
    // Never a stack trace or a driver's message in a response.
    return isApi(c.req.path)
      ? c.json({ error: "Internal server error" }, 500)
      : c.text("Internal server error", 500);
  });
  app.notFound((c) => isApi(c.req.path) ? c.json({ error: "Not found" }, 404) : c.text("Not found", 404));
  app.route("/", healthRoutes(deps.db));
  app.route(
    "/",
    authRoutes(deps.db, { throttleLimits: deps.loginLimits, trustedProxies: deps.config.trustedProxies }),
  );
  // Everything under /api needs a token or a session; mount /api routes below this line.
  // API tokens are cached while the bus hears their deletions (lib/auth/apiTokens.ts).
  if (deps.bus) listenForTokenDeletions(deps.db, deps.bus);
  app.use("/api/*", requireUser(deps.db));
  app.route("/api", apiRoutes(deps));
  if (deps.bus) {
    app.route(
      "/api",
      eventsRoutes<AuthEnv>({
        db: deps.db,
        bus: deps.bus,
        feed: deps.feed,
        userIdOf: (c) => c.get("user")?.id,
        heartbeatMs: deps.eventsHeartbeatMs,
      }),
    );
  }
  // The web UI: hashed assets, and the pages, whose form posts go through the API above.
  const assets = deps.assets ? () => Promise.resolve(deps.assets!) : sharedAssetStore;
  app.route("/", assetRoutes(assets));
  app.route("/", pageRoutes({ db: deps.db, assets, fetch: async (request) => await app.fetch(request) }));
  return app;
}
