/**
 * `GET /api/events`: Server-Sent Events of all the user's servers, what a
 * client missed first (docs/api.md, "Live events"). The body is a plain
 * `ReadableStream`, not Hono's `streamSSE`, whose stream ends when its
 * callback resolves and which hides how much waits for a slow client.
 *
 * @module
 */
import { type Context, type Env, Hono } from "hono";
import type { Db } from "../../lib/db/database.ts";
import { decodeCursor } from "../../lib/events/cursor.ts";
import { EventFeed } from "../../lib/events/eventFeed.ts";
import { EventStream } from "../../lib/events/eventStream.ts";
import type { ServiceBus } from "../../lib/serviceBus.ts";

/** What the event stream route needs. */
export interface EventsRouteDeps<E extends Env> {
  db: Db;
  bus: ServiceBus;
  /** The receiver shared by the streams; one is made on `bus` when absent. */
  feed?: EventFeed;
  /** The id of the authenticated user, or `undefined` (answered `401`). */
  userIdOf(c: Context<E>): number | undefined;
  /** Heartbeat interval (tests shorten it); 15 s by default. */
  heartbeatMs?: number;
  /** Bytes waiting for a slow client before it is disconnected. */
  maxBufferedBytes?: number;
  /** Live events waiting behind a replay before the client is disconnected. */
  maxPendingEvents?: number;
}

/** The event stream route, to mount under `/api` behind the authentication. */
export function eventsRoutes<E extends Env>(deps: EventsRouteDeps<E>): Hono<E> {
  // One receiver per app, created with the first stream. A client that goes
  // away cancels the body, which ends its stream (request.signal is not
  // used: Deno.serve also aborts it when a response completes).
  let feed = deps.feed;
  return new Hono<E>().get("/events", (c) => {
    const userId = deps.userIdOf(c);
    if (userId === undefined) return c.json({ error: "Authentication required" }, 401);
    feed ??= new EventFeed(deps.db, deps.bus);
    const cursor = decodeCursor(c.req.header("last-event-id") ?? c.req.query("last_event_id"));
    const stream = new EventStream({
      db: deps.db,
      feed,
      userId,
      cursor,
      heartbeatMs: deps.heartbeatMs,
      maxBufferedBytes: deps.maxBufferedBytes,
      maxPendingEvents: deps.maxPendingEvents,
    });
    stream.start();
    return new Response(stream.body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        // Proxies such as nginx would otherwise hold events back.
        "x-accel-buffering": "no",
      },
    });
  });
}
