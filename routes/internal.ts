/**
 * `POST /internal/peer`: the owner's side of lib/cluster/instanceRpc.ts. Another
 * instance's signed request for a server this one runs is carried out here,
 * and a request resent with the same nonce gets the first answer, never a
 * second send. Mounted before the host check: a browser cannot sign.
 * @module
 */
import { Hono } from "hono";
import type { Db } from "../lib/db/database.ts";
import {
  MAX_PEER_BODY_BYTES,
  PEER_CLOCK_SKEW_MS,
  PEER_PATH,
  type PeerAnswer,
  type PeerRequest,
  validatePeerRequest,
  verifyPeerRequest,
} from "../lib/cluster/instanceRpc.ts";
import { IrcCommandError, IrcCommandSender, type WorkerConnectionPool } from "../lib/ircCommandSender.ts";
import { errorMessage, logger } from "../lib/log.ts";
import { findServer } from "../lib/servers.ts";
import type { ServerSupervisor } from "../lib/supervisor/serverSupervisor.ts";

/** What the owner's side needs. */
export interface PeerRouteDeps {
  db: Db;
  supervisor: ServerSupervisor;
  /** The signing key (lib/cluster/instanceRpc.ts, `readPeerKey`). */
  key: Uint8Array;
  /** How long a worker gets to answer. */
  commandTimeoutMs: number;
  workerConnections?: WorkerConnectionPool;
}

const log = logger("peer");

/** The route; a request is answered `401` unless signed with the key. */
export function peerRoutes(deps: PeerRouteDeps): Hono {
  const app = new Hono();
  // By nonce, for twice the clock skew: a signed request cannot be replayed into a second send.
  const answers = new Map<string, { at: number; answer: Promise<PeerAnswer> }>();
  app.post(PEER_PATH, async (c) => {
    const length = Number(c.req.header("content-length") ?? "0");
    if (length > MAX_PEER_BODY_BYTES) return c.json({ error: "Request body too large" }, 413);
    const body = await c.req.text();
    if (body.length > MAX_PEER_BODY_BYTES) return c.json({ error: "Request body too large" }, 413);
    const signed = verifyPeerRequest(deps.key, c.req.raw.headers, body);
    if (!signed.ok) return c.json({ error: signed.error }, 401);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return c.json({ error: "body is not JSON" }, 400);
    }
    const request = validatePeerRequest(json);
    if (!request.ok) return c.json({ error: request.error }, 400);
    const now = Date.now();
    for (const [nonce, { at }] of answers) {
      if (now - at < 2 * PEER_CLOCK_SKEW_MS) break;
      answers.delete(nonce);
    }
    const earlier = answers.get(request.value.nonce);
    if (earlier) return c.json(await earlier.answer);
    const answer = carryOut(deps, request.value);
    answers.set(request.value.nonce, { at: now, answer });
    return c.json(await answer);
  });
  return app;
}

async function carryOut(deps: PeerRouteDeps, request: PeerRequest): Promise<PeerAnswer> {
  const serverId = request.server_id;
  const notOwner: PeerAnswer = {
    ok: false,
    kind: "not_owner",
    error: "This app instance does not run that server",
    unsent: true,
  };
  if (!deps.supervisor.isRunning(serverId)) return notOwner;
  try {
    if (request.kind === "disconnect") {
      await deps.supervisor.disconnect(serverId, request.message);
      return { ok: true };
    }
    const server = await findServer(deps.db, serverId);
    if (!server) return { ok: false, kind: "not_connected", error: "Server not found", unsent: true };
    const accepted = await new IrcCommandSender(server, {
      timeoutMs: deps.commandTimeoutMs,
      pool: deps.workerConnections,
    }).sendCommand(request.command);
    return accepted.queued ? { ok: true, queued: true } : { ok: true };
  } catch (error) {
    if (error instanceof IrcCommandError) {
      return { ok: false, kind: error.kind, error: error.message, unsent: error.unsent };
    }
    log.error(`server ${serverId}: ${errorMessage(error)}`);
    return {
      ok: false,
      kind: "unavailable",
      error: "The owning app instance failed to carry it out",
      unsent: false,
    };
  }
}
