/**
 * The user's IRC servers: list, create, show, change, delete, connect,
 * disconnect.
 *
 * @module
 */
import { Hono } from "hono";
import type { Db } from "../../lib/db/database.ts";
import { dropStaleWorkerRoles } from "../../lib/db/workerRoles.ts";
import type { Server } from "../../lib/db/schema.ts";
import { MAX_QUIT_MESSAGE_BYTES, utf8Length } from "../../lib/ircCommand.ts";
import { processTargetPolicy, type TargetPolicy } from "../../lib/ircTargets.ts";
import { checkServerSettings, settingsOf } from "../../lib/serverSettings.ts";
import { type CertificateFingerprints, certificateFingerprints } from "../../lib/clientCert.ts";
import {
  deleteUserServer,
  findServer,
  insertServerWithinLimit,
  listUserServers,
  updateServer,
} from "../../lib/servers.ts";
import { errorMessage, logger } from "../../lib/log.ts";
import type { ServerSupervisor } from "../../lib/supervisor/serverSupervisor.ts";
import { invalid, isObject, readJson } from "./json.ts";
import type { ServerEnv } from "./userServer.ts";

const log = logger("api");

/** A server as the API shows it: its settings and state, never its secrets. */
export interface ServerJson {
  id: number;
  name: string;
  host: string;
  port: number;
  tls: boolean;
  /** The nick in use on IRC while connected, else the configured one. */
  nickname: string;
  /** The nick the user configured. */
  configured_nickname: string;
  username: string | null;
  realname: string | null;
  sasl_username: string | null;
  /** Whether a server password is set (the password itself is never shown). */
  has_password: boolean;
  /** Whether a SASL password is set. */
  has_sasl_password: boolean;
  sasl_mechanism: Server["sasl_mechanism"];
  require_sasl: boolean;
  /**
   * The client certificate's fingerprints (for NickServ `CERT ADD`), or
   * `null` without one; the certificate's key is never shown.
   */
  client_cert: CertificateFingerprints | null;
  flood_burst: number;
  flood_interval_ms: number;
  status: Server["status"];
  last_error: string | null;
  /** The worker's process id while it runs, else `null`. */
  pid: number | null;
  /** The worker's socket while it runs, else `null`. */
  socket_path: string | null;
  created_at: Date;
  updated_at: Date;
}

/** The JSON of `server`, by listing what may be shown (so a new secret column stays hidden). */
export function serverJson(server: Server): ServerJson {
  return {
    id: server.id,
    name: server.name,
    host: server.host,
    port: server.port,
    tls: server.tls,
    nickname: server.current_nickname ?? server.nickname,
    configured_nickname: server.nickname,
    username: server.username,
    realname: server.realname,
    sasl_username: server.sasl_username,
    has_password: server.password !== null,
    has_sasl_password: server.sasl_password !== null,
    sasl_mechanism: server.sasl_mechanism,
    require_sasl: server.require_sasl,
    client_cert: server.client_cert_pem === null ? null : certificateFingerprints(server.client_cert_pem),
    flood_burst: server.flood_burst,
    flood_interval_ms: server.flood_interval_ms,
    status: server.status,
    last_error: server.last_error,
    pid: server.pid,
    socket_path: server.socket_path,
    created_at: server.created_at,
    updated_at: server.updated_at,
  };
}

/**
 * The server routes, under `/api`, behind `loadUserServer` for `/servers/:id`.
 * `targets` is what the workers will be allowed to reach: by default this
 * process's `ALLOWED_IRC_TARGETS`, which the supervisor passes on to them.
 */
export function serverRoutes(
  db: Db,
  supervisor: ServerSupervisor,
  targets: TargetPolicy = processTargetPolicy(),
): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  app.get("/servers", async (c) => {
    const servers = await listUserServers(db, c.get("user").id);
    return c.json(servers.map(serverJson));
  });

  app.post("/servers", async (c) => {
    const body = await readJson(c);
    if (!body.ok) return body.response;
    // An IP literal the workers may not reach is refused now; a name only
    // at connect time, where the address it resolves to is checked.
    const settings = checkServerSettings(body.value, targets);
    if (!settings.ok) return invalid(c, settings.field, settings.error);
    // Each server can become a worker process: the limit keeps one token
    // holder from creating them without end.
    const limit = supervisor.limits.maxServersPerUser;
    const server = await insertServerWithinLimit(db, { ...settings.value, user_id: c.get("user").id }, limit);
    if (!server) {
      // 409, not 422: the body is fine, the user's servers leave no room for it.
      return c.json({
        error: `You have ${limit} servers, the most one user may have; delete one to add another`,
      }, 409);
    }
    return c.json(serverJson(server), 201);
  });

  app.get("/servers/:id", (c) => c.json(serverJson(c.get("server"))));

  // Fields left out keep their value (secrets included, which the client
  // never sees); `null` clears an optional one. A running worker keeps its
  // connection: the new settings apply from the next connect.
  app.patch("/servers/:id", async (c) => {
    const body = await readJson(c);
    if (!body.ok) return body.response;
    if (!isObject(body.value)) return invalid(c, "body", "body must be a JSON object");
    const server = c.get("server");
    const settings = checkServerSettings({ ...settingsOf(server), ...body.value }, targets);
    if (!settings.ok) return invalid(c, settings.field, settings.error);
    await updateServer(db, server.id, settings.value);
    return c.json(serverJson(await findServer(db, server.id) ?? server));
  });

  app.delete("/servers/:id", async (c) => {
    const server = c.get("server");
    if (server.pid !== null || server.socket_path !== null || server.status !== "disconnected") {
      // Stop the worker first, or it would go on writing rows of a server
      // that no longer exists.
      await supervisor.disconnect(server.id).catch((e) =>
        log.warn(`delete ${server.id}: ${errorMessage(e)}`)
      );
    }
    await deleteUserServer(db, c.get("user").id, server.id);
    // Its worker's database login goes with it (and any a deletion left).
    await dropStaleWorkerRoles(db).catch((e) =>
      log.warn(`delete ${server.id}: worker role: ${errorMessage(e)}`)
    );
    return c.body(null, 204);
  });

  app.post("/servers/:id/connect", async (c) => {
    const server = c.get("server");
    try {
      await supervisor.connect(server.id);
    } catch (error) {
      return c.json({ error: `Could not start the connection: ${errorMessage(error)}` }, 503);
    }
    return c.json(serverJson(await findServer(db, server.id) ?? server), 202);
  });

  app.post("/servers/:id/disconnect", async (c) => {
    const body = await readJson(c, true);
    if (!body.ok) return body.response;
    if (body.value !== undefined && !isObject(body.value)) {
      return invalid(c, "body", "body must be a JSON object");
    }
    const message = body.value?.message;
    if (message !== undefined && message !== null) {
      if (typeof message !== "string") return invalid(c, "message", "message must be a string");
      if (/[\r\n\0]/.test(message)) return invalid(c, "message", "message must not contain CR, LF or NUL");
      // In bytes, as IRC counts: a message accepted here goes out whole
      // (the worker would cut a longer one to fit the QUIT line).
      if (utf8Length(message) > MAX_QUIT_MESSAGE_BYTES) {
        return invalid(c, "message", `message must be at most ${MAX_QUIT_MESSAGE_BYTES} bytes`);
      }
    }
    const server = c.get("server");
    try {
      await supervisor.disconnect(server.id, typeof message === "string" ? message : null);
    } catch (error) {
      return c.json({ error: `Could not disconnect: ${errorMessage(error)}` }, 503);
    }
    return c.json(serverJson(await findServer(db, server.id) ?? server), 202);
  });

  return app;
}
