/**
 * `POST /api/servers/:id/commands`: a command object of the socket protocol,
 * passed to the server's worker through `IrcCommandSender`; a `quit` goes
 * through the supervisor instead ({@link quitServer}). A server another app
 * instance runs gets it through that instance (lib/cluster/commandRouter.ts).
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { type IrcCommand, validateCommand } from "../../lib/ircCommand.ts";
import { IrcCommandError, IrcCommandSender, type WorkerConnectionPool } from "../../lib/ircCommandSender.ts";
import type { Server } from "../../lib/db/schema.ts";
import type { CommandRouter } from "../../lib/cluster/commandRouter.ts";
import type { ServerSupervisor } from "../../lib/supervisor/serverSupervisor.ts";
import { invalid, notFound, readJson } from "./json.ts";
import type { ServerEnv } from "./userServer.ts";

/** How long the API waits for a worker's reply before answering `504`. */
export const COMMAND_TIMEOUT_MS = 5000;
// How often a command for a server moving to this instance looks whether its worker here is connected.
const MOVE_PAUSE_MS = 100;

/** The answer when a command did not reach IRC: `409`, `422`, `429` or `504` with the reason. */
export function commandErrorResponse(c: Context, error: IrcCommandError): Response {
  switch (error.kind) {
    case "not_connected":
    case "socket_not_found":
    case "unavailable":
      return c.json({
        error: "Server not connected",
        ...(error.message !== "Server not connected" ? { reason: error.message } : {}),
      }, 409);
    case "refused":
      return c.json({ error: error.message }, 422);
    case "queue_full":
      return c.json({ error: error.message, code: "queue_full" }, 429);
    case "timeout":
      return c.json({ error: error.message }, 504);
  }
}

/** The outcome of {@link sendToWorker}: accepted (maybe queued by flood control), or the answer to give. */
export type WorkerSend =
  | { ok: true; queued: boolean }
  /** `unsent`: nothing reached any worker (see `IrcCommandError.unsent`). */
  | { ok: false; response: Response; unsent: boolean };

/**
 * Sends `command` to the worker of `server` (over a connection of `pool`
 * when given; through the instance that runs it, with a `router`, when
 * that is not this one), mapping its failures to their HTTP answer.
 */
export async function sendToWorker(
  c: Context,
  server: Server,
  command: IrcCommand,
  pool?: WorkerConnectionPool,
  router?: CommandRouter,
): Promise<WorkerSend> {
  const deadline = performance.now() + COMMAND_TIMEOUT_MS;
  try {
    let moved = false;
    if (router && !router.isLocal(server.id)) {
      const forwarded = await router.forward(server.id, command, COMMAND_TIMEOUT_MS);
      if (forwarded) return { ok: true, queued: forwarded.queued === true };
      moved = true;
    }
    while (true) {
      try {
        const accepted = await new IrcCommandSender(server, {
          timeoutMs: Math.max(1, deadline - performance.now()),
          pool,
        }).sendCommand(command);
        return { ok: true, queued: accepted.queued === true };
      } catch (error) {
        // The server moved here from another instance while the command waited: its worker here may still
        // be connecting, so the command waits for it, as it would have on the old owner; nothing was sent.
        const retry = moved && router && error instanceof IrcCommandError && error.unsent &&
          (error.kind === "not_connected" || error.kind === "unavailable" ||
            error.kind === "socket_not_found") &&
          deadline - performance.now() > MOVE_PAUSE_MS;
        if (!retry) throw error;
        await new Promise((resolve) => setTimeout(resolve, MOVE_PAUSE_MS));
        const now = await router!.whileMoving(server.id);
        if (!now) throw error;
        server = now;
      }
    }
  } catch (error) {
    if (error instanceof IrcCommandError) {
      return { ok: false, response: commandErrorResponse(c, error), unsent: error.unsent };
    }
    throw error;
  }
}

/**
 * Quits IRC and stops the worker of `server`, through the supervisor: the
 * answer comes once the worker is gone and the row says so, and a connect
 * right after waits for that rather than finding a worker about to exit
 * (which it would take as running, and the server would end up
 * disconnected). `409` when the server is not connected.
 */
export async function quitServer(
  c: Context,
  supervisor: ServerSupervisor,
  server: Server,
  message: string | null,
): Promise<Response> {
  if (!server.socket_path) return c.json({ error: "Server not connected" }, 409);
  await supervisor.disconnect(server.id, message);
  return c.json({ ok: true });
}

/**
 * The commands route, under `/api`; `pool` keeps connections to the
 * workers, `router` reaches those of other instances.
 */
export function commandRoutes(
  supervisor: ServerSupervisor,
  pool?: WorkerConnectionPool,
  router?: CommandRouter,
): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  app.post("/servers/:id/commands", async (c) => {
    const body = await readJson(c);
    if (!body.ok) return body.response;
    const valid = validateCommand(body.value);
    if (!valid.ok) return invalid(c, "command", valid.error);
    // The request id belongs to the socket protocol's framing, not to HTTP.
    const { id: _id, ...command } = valid.value;
    const server = c.get("server");
    const cache = c.get("serverCache");
    if (command.command === "quit") {
      // Judged by the database's row, not a cached one.
      const now = cache ? await cache.refresh(server.user_id, server.id) : server;
      if (!now) return notFound(c, "Server not found");
      return quitServer(c, supervisor, now, command.message ?? null);
    }
    let sent = await sendToWorker(c, server, command as IrcCommand, pool, router);
    if (!sent.ok && sent.unsent && cache) {
      // The row may be older than a connect, a reconnect or a deletion:
      // judge by the database's row, and send again when it names another
      // socket (nothing was written to any worker, so nothing repeats).
      const now = await cache.refresh(server.user_id, server.id);
      if (!now) return notFound(c, "Server not found");
      if (now.socket_path !== server.socket_path) {
        sent = await sendToWorker(c, now, command as IrcCommand, pool, router);
      }
    }
    return sent.ok ? c.json({ ok: true }) : sent.response;
  });
  return app;
}
