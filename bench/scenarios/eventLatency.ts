/**
 * Event latency: the IRC server sends a PRIVMSG to a worker, and the time
 * is taken until an SSE client of `GET /api/events` receives the stored
 * event (irc-framework's parse, the batched insert and its commit, the
 * NOTIFY, the web process's feed, the stream's write). Taken at a steady
 * 20/s (one at a time) and at 1,000/s (open loop: sends do not wait for
 * deliveries).
 *
 * Baseline: the raw round trip of the same durability with `npm:pg`: one
 * statement inserting a row and notifying, committed, until a listening
 * connection hears the notification (at 1,000/s spread over a few
 * connections, one round trip each).
 *
 * @module
 */
import pg from "pg";
import { sql } from "kysely";
import { deferred, type Probe, sendAtRate, within } from "../support/pace.ts";
import { type Figure, percentileFigures, ratioTarget, summarize } from "../support/stats.ts";
import { openEventStream } from "../support/sseClient.ts";
import { channelLine, type ChatServer, type ScenarioContext } from "./context.ts";

const SCENARIO = "event latency";
const NOTIFY_CHANNEL = "bench_baseline";
const WRITERS = 4;

/** Probes of the scenario. */
export interface EventLatency {
  /** One message, waited for (closed loop). */
  app: Probe;
  /** One insert + NOTIFY, waited for. */
  baseline: Probe;
  /** `count` messages at `rate`/s; the latency of each delivered one, and how many never came. */
  appAtRate(count: number, rate: number): Promise<{ samples: number[]; lost: number }>;
  /** The same with inserts + NOTIFY. */
  baselineAtRate(count: number, rate: number): Promise<{ samples: number[]; lost: number }>;
  close(): Promise<void>;
}

/** Opens the event stream and the baseline's connections. */
export async function setupEventLatency(ctx: ScenarioContext, chat: ChatServer): Promise<EventLatency> {
  const { env } = ctx;
  let counter = 0;
  const arrivals = new Map<number, (at: number) => void>();
  const stream = await openEventStream(env.baseUrl, env.token, (event, data, at) => {
    if (event !== "message") return;
    const match = /"content":"ev (\d+)"/.exec(data);
    if (match) arrivals.get(Number(match[1]))?.(at);
  });
  await within(stream.ready, 30_000, "the event stream to be ready");

  const sendOne = (onArrival: (at: number) => void): void => {
    const id = ++counter;
    arrivals.set(id, (at) => {
      arrivals.delete(id);
      onArrival(at);
    });
    chat.irc.send(channelLine(chat.channel, `ev ${id}`));
  };

  const app: Probe = async () => {
    const arrived = deferred<number>();
    const start = performance.now();
    sendOne(arrived.resolve);
    return (await within(arrived.promise, 10_000, "an event to arrive")) - start;
  };

  await env.db.schema.createTable("bench_baseline_messages").ifNotExists()
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("server_id", "integer", (c) => c.notNull())
    .addColumn("target", "text")
    .addColumn("sender", "text")
    .addColumn("content", "text", (c) => c.notNull())
    .addColumn("message_type", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  const listener = new pg.Client({ connectionString: env.databaseUrl });
  await listener.connect();
  // Several writing connections, so that at 1,000/s each insert waits for
  // its own round trip rather than queueing behind the others on one
  // connection (which would measure the queue, not the round trip).
  const writers = Array.from({ length: WRITERS }, () => new pg.Client({ connectionString: env.databaseUrl }));
  await Promise.all(writers.map((w) => w.connect()));
  await listener.query(`listen ${NOTIFY_CHANNEL}`);
  const notified = new Map<string, (at: number) => void>();
  listener.on("notification", (n) => {
    const at = performance.now();
    if (n.payload) notified.get(n.payload)?.(at);
  });
  const insertAndNotify = `with row as (
      insert into bench_baseline_messages (server_id, target, sender, content, message_type, created_at)
      values (0, '#bench', 'alice', $1, 'privmsg', now()) returning id)
    select pg_notify('${NOTIFY_CHANNEL}', $1) from row`;
  const notifyOne = (onArrival: (at: number) => void): void => {
    const key = `ev ${++counter}`;
    notified.set(key, (at) => {
      notified.delete(key);
      onArrival(at);
    });
    writers[counter % WRITERS].query(insertAndNotify, [key]).catch(() => notified.delete(key));
  };
  const baseline: Probe = async () => {
    const arrived = deferred<number>();
    const start = performance.now();
    notifyOne(arrived.resolve);
    return (await within(arrived.promise, 10_000, "a notification")) - start;
  };

  const atRate = async (
    count: number,
    rate: number,
    send: (onArrival: (at: number) => void) => void,
  ) => {
    const samples: number[] = [];
    const done = deferred<void>();
    await sendAtRate(count, rate, () => {
      const start = performance.now();
      send((at) => {
        samples.push(at - start);
        if (samples.length === count) done.resolve();
      });
    });
    await within(done.promise, 20_000, "every event").catch(() => {});
    return { samples, lost: count - samples.length };
  };

  return {
    app,
    baseline,
    appAtRate: (count, rate) => atRate(count, rate, sendOne),
    baselineAtRate: (count, rate) => atRate(count, rate, notifyOne),
    async close() {
      await stream.close();
      await listener.end().catch(() => {});
      await Promise.all(writers.map((w) => w.end().catch(() => {})));
    },
  };
}

/** The scenario's figures, with the targets of issue #20. */
export function eventFigures(
  paced: { app: number[]; baseline: number[]; rate: number },
  fast: {
    app: { samples: number[]; lost: number };
    baseline: { samples: number[]; lost: number };
    rate: number;
  },
): Figure[] {
  const baselineNote = "insert + NOTIFY round trip (npm:pg)";
  const slow = summarize(paced.app);
  const quick = summarize(fast.app.samples);
  return [
    ...percentileFigures(
      {
        scenario: SCENARIO,
        name: (p) => `${p} at ${paced.rate}/s`,
        unit: "ms",
        baselineNote,
        note: `${slow.n} samples; max ${slow.max.toFixed(2)} ms`,
        p50Target: ratioTarget("<=", 1.25),
        p99Target: ratioTarget("<=", 1.5),
      },
      slow,
      summarize(paced.baseline),
    ),
    ...percentileFigures(
      {
        scenario: SCENARIO,
        name: (p) => `${p} at ${fast.rate}/s`,
        unit: "ms",
        baselineNote,
        note: `${quick.n} delivered, ${fast.app.lost} lost; max ${quick.max.toFixed(2)} ms`,
        p50Target: ratioTarget("<=", 1.5),
        p99Target: ratioTarget("<=", 1.5),
      },
      // A lost event is a delivery that never came: the tail is infinite.
      fast.app.lost > 0 ? { ...quick, p99: Infinity } : quick,
      summarize(fast.baseline.samples),
    ),
  ];
}
