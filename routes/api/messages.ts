/**
 * A server's messages: `GET /api/servers/:id/messages` (history) and `POST`
 * (what the user typed: text or a slash command), as docs/api.md,
 * "Messages", describes them.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { sql } from "kysely";
import type { Db } from "../../lib/db/database.ts";
import type { Server } from "../../lib/db/schema.ts";
import { type IrcCommand, isChannelName, isQueryTarget } from "../../lib/ircCommand.ts";
import {
  lastBatchOf,
  listMessages,
  type MessageJson,
  messageJson,
  oldestHistoryMark,
  parseHistoryParams,
} from "../../lib/messages.ts";
import { appCommandOf, parseSlashCommand, storesMessage } from "../../lib/slashCommand.ts";
import { appCommandAnswer } from "./appCommands.ts";
import type { ServerSupervisor } from "../../lib/supervisor/serverSupervisor.ts";
import { quitServer, sendToWorker } from "./commands.ts";
import { IrcCommandSender, type WorkerConnectionPool } from "../../lib/ircCommandSender.ts";
import { logger } from "../../lib/log.ts";
import type { CommandRouter } from "../../lib/cluster/commandRouter.ts";
import { invalid, isObject, readJson } from "./json.ts";
import type { ServerEnv } from "./userServer.ts";
import { RecentSends } from "./recentSends.ts";

/** Longest `content` accepted (the worker splits long messages into several lines). */
export const MAX_CONTENT_LENGTH = 8192;
/** How long a send waits for the worker to store the message. */
export const STORE_WAIT_MS = 10_000;
/** How long when the worker said flood control queued it. */
export const QUEUED_STORE_WAIT_MS = 3_000;
/** How long a page waits for older lines from the server's history (the worker gives up at 8 s). */
export const HISTORY_FETCH_WAIT_MS = 10_000;

const log = logger("messages");

type TextCommand = Extract<IrcCommand, { command: "privmsg" | "notice" | "action" }>;

/** The messages routes, under `/api`, behind `loadUserServer`; `router` reaches other instances' workers. */
export function messageRoutes(
  db: Db,
  supervisor: ServerSupervisor,
  pool?: WorkerConnectionPool,
  router?: CommandRouter,
): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  const recent = new RecentSends(db);

  app.get("/servers/:id/messages", async (c) => {
    const target = c.req.query("target") || null;
    if (target !== null && target.length > 200) return invalid(c, "target", "target is too long");
    const params = parseHistoryParams(c.req.query("before"), c.req.query("limit"));
    if (!params.ok) return invalid(c, /^before/.test(params.error) ? "before" : "limit", params.error);
    const server = c.get("server");
    const query = { target, before: params.before, limit: params.limit };
    const page = await listMessages(db, server.id, query);
    // Past the oldest stored line of a window: ask the server's history
    // (its worker answers once the lines are stored below the others).
    if (
      page.length >= params.limit || target === null || (!isChannelName(target) && !isQueryTarget(target))
    ) {
      return c.json(page);
    }
    return c.json(
      await fetchedOlder(server, target, params.limit) ? await listMessages(db, server.id, query) : page,
    );
  });

  // Whether the server's history gave lines (false: none, or no history there, or no worker).
  async function fetchedOlder(server: Server, target: string, limit: number): Promise<boolean> {
    if (!server.socket_path && !(router && !router.isLocal(server.id))) return false;
    const command: IrcCommand = {
      command: "fetch_history",
      target,
      before: await oldestHistoryMark(db, server.id, target),
      limit,
    };
    try {
      if (router && !router.isLocal(server.id)) {
        return (await router.forward(server.id, command, HISTORY_FETCH_WAIT_MS)) !== undefined;
      }
      await new IrcCommandSender(server, { timeoutMs: HISTORY_FETCH_WAIT_MS, pool }).sendCommand(command);
      return true;
    } catch (error) {
      // The page is still the database's: a history the server lacks, or a
      // worker that cannot ask, is no reason to fail it.
      log.debug(`older lines of ${target} not fetched: ${error instanceof Error ? error.message : error}`);
      return false;
    }
  }

  app.post("/servers/:id/messages", async (c) => {
    const body = await readJson(c);
    if (!body.ok) return body.response;
    if (!isObject(body.value)) return invalid(c, "body", "body must be a JSON object");
    const { target, content, client_id: clientId } = body.value;
    if (
      clientId !== undefined && (typeof clientId !== "string" || clientId === "" || clientId.length > 100)
    ) {
      return invalid(c, "client_id", "client_id must be a string of 1 to 100 characters");
    }
    if (target !== undefined && target !== null) {
      if (typeof target !== "string") return invalid(c, "target", "target must be a string");
      if (!isChannelName(target) && !isQueryTarget(target)) {
        return invalid(c, "target", "target must be a channel or a nickname");
      }
    }
    if (typeof content !== "string") {
      return invalid(
        c,
        "content",
        content === undefined ? "content is required" : "content must be a string",
      );
    }
    if (content.length > MAX_CONTENT_LENGTH) {
      return invalid(c, "content", `content must be at most ${MAX_CONTENT_LENGTH} characters`);
    }
    const own = appCommandOf(content);
    const ownAnswer = own && await appCommandAnswer(c, db, c.get("server").id, own);
    if (ownAnswer) return ownAnswer;
    const parsed = parseSlashCommand(content, typeof target === "string" ? target : null);
    if (!parsed.ok) {
      return invalid(c, /target is required/.test(parsed.error) ? "target" : "content", parsed.error);
    }
    const command = parsed.command;
    const server = c.get("server");
    if (clientId === undefined) return await send(c, server, command);
    const answer = await recent.once(
      `${server.user_id}:${server.id}:${clientId}`,
      () => send(c, server, command),
    );
    return c.body(answer.body, answer.status as ContentfulStatusCode, { "content-type": answer.contentType });
  });

  // Carries out what was typed; answers as the module says.
  async function send(c: Context<ServerEnv>, server: Server, command: IrcCommand): Promise<Response> {
    if (command.command === "quit") return quitServer(c, supervisor, server, command.message ?? null);

    if (!storesMessage(command)) {
      const sent = await sendToWorker(c, server, command, pool, router);
      return sent.ok ? c.json({ ok: true }) : sent.response;
    }

    // The worker stores what the user sends (as IRC relays it); the answer
    // is that row. Rows of one server are numbered in commit order, so
    // anything numbered after this was written after the send.
    const since = (await lastBatchOf(db, server.id))?.lastSeq ?? 0;
    const sent = await sendToWorker(c, server, command, pool, router);
    if (!sent.ok) return sent.response;
    const wait = sent.queued ? QUEUED_STORE_WAIT_MS : STORE_WAIT_MS;
    const stored = await waitForStored(db, server.id, since, command, wait);
    return stored ? c.json(stored, 201) : c.json({ ok: true, pending: true }, 202);
  }

  return app;
}

/**
 * The first message of `server` numbered after `since` that is what
 * `command` sent: same type and target, and the same text (or its first
 * part, when the worker split a long message over several lines).
 */
async function waitForStored(
  db: Db,
  serverId: number,
  since: number,
  command: TextCommand,
  timeoutMs: number,
): Promise<MessageJson | undefined> {
  const deadline = performance.now() + timeoutMs;
  let pause = 10;
  while (true) {
    const rows = await db.selectFrom("messages")
      .select(["id", "server_id", "target", "sender", "content", "message_type", "created_at"])
      .where("server_id", "=", serverId)
      .where("seq", ">", String(since))
      .where("message_type", "=", command.command)
      .where(sql<boolean>`lower(target) = lower(${command.target})`)
      .orderBy("seq")
      .limit(50)
      .execute();
    const row = rows.find((r) =>
      r.content === command.message || (r.content !== "" && command.message.startsWith(r.content))
    );
    if (row) return messageJson(row);
    if (performance.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(200, pause * 2);
  }
}
