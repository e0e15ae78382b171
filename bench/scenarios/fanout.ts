/**
 * Fan-out: many live streams of one user (a user with many tabs and
 * devices, or many users of one instance, as the web process sees it), the
 * IRC server sending 100 messages a second; the time from each send to
 * each stream's receipt of it, over every delivery.
 *
 * Baseline: the same with one stream, in the same run.
 *
 * @module
 */
import { sendAtRate, within } from "../support/pace.ts";
import { type BenchEventStream, openEventStream } from "../support/sseClient.ts";
import { type Figure, ratioTarget, summarize } from "../support/stats.ts";
import { channelLine, type ChatServer, type ScenarioContext } from "./context.ts";

const SCENARIO = "fan-out";

/** Deliveries of one fan-out run. */
export interface FanoutRun {
  clients: number;
  /** Latency of each delivery to each stream, ms. */
  samples: number[];
  /** Deliveries expected (`clients` x messages) that did not arrive. */
  lost: number;
  /** How long opening the streams took, ms. */
  openMs: number;
}

/** Opens `clients` streams, sends `messages` at `rate`/s through `chat`, and collects every delivery. */
export async function runFanout(
  ctx: ScenarioContext,
  chat: ChatServer,
  clients: number,
  run: string,
): Promise<FanoutRun> {
  const { env, sizes } = ctx;
  const messages = sizes.fanoutMessages;
  const sentAt = new Float64Array(messages);
  // Allocated once: a growing array of 500,000 would be copied, and
  // collected, while the clients measure.
  const delays = new Float64Array(clients * messages);
  let received = 0;
  const expected = clients * messages;
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => finished = resolve);
  let warmedUp: () => void = () => {};
  const warm = new Promise<void>((resolve) => warmedUp = resolve);
  let warmupReceived = 0;
  const pattern = new RegExp(`"content":"fan${run}(w?) (\\d+)"`);
  const onEvent = (event: string, data: string, at: number) => {
    if (event !== "message") return;
    const match = pattern.exec(data);
    if (!match) return;
    if (match[1]) {
      if (++warmupReceived === clients * sizes.fanoutWarmup) warmedUp();
      return;
    }
    delays[received++] = at - sentAt[Number(match[2])];
    if (received === expected) finished();
  };

  const opened = performance.now();
  const streams: BenchEventStream[] = [];
  try {
    // A few at a time, as browsers reconnecting after a restart would.
    for (let i = 0; i < clients; i += 25) {
      const batch = await Promise.all(
        Array.from(
          { length: Math.min(25, clients - i) },
          () => openEventStream(env.baseUrl, env.token, onEvent),
        ),
      );
      streams.push(...batch);
      await within(Promise.all(batch.map((s) => s.ready)), 60_000, "event streams to be ready");
    }
    const openMs = performance.now() - opened;
    ctx.log(`fan-out ${run}: ${clients} stream(s) open in ${Math.round(openMs)} ms`);
    // The first messages after the streams open find the delivery path of
    // both the app and the clients cold (compiled and sized for a few
    // streams): they warm it, as the other scenarios' first requests do.
    if (sizes.fanoutWarmup > 0) {
      await sendAtRate(sizes.fanoutWarmup, sizes.fanoutRate, (i) => {
        chat.irc.send(channelLine(chat.channel, `fan${run}w ${i}`));
      });
      await within(warm, 30_000, "the warm-up deliveries");
    }
    await sendAtRate(messages, sizes.fanoutRate, (i) => {
      sentAt[i] = performance.now();
      chat.irc.send(channelLine(chat.channel, `fan${run} ${i}`));
    });
    await within(done, 30_000, "every delivery").catch(() => {});
    return { clients, samples: Array.from(delays.subarray(0, received)), lost: expected - received, openMs };
  } finally {
    await Promise.all(streams.map((s) => s.close()));
  }
}

/** The scenario's figures. */
export function fanoutFigures(many: FanoutRun, one: FanoutRun, rate: number): Figure[] {
  const app = summarize(many.samples);
  const base = summarize(one.samples);
  const baselineNote = "the same with one stream";
  const note = `${many.clients} streams x ${rate} msg/s; ${app.n} deliveries, ${many.lost} lost; ` +
    `max ${app.max.toFixed(1)} ms; streams opened in ${Math.round(many.openMs)} ms`;
  return [
    {
      scenario: SCENARIO,
      figure: `p50, ${many.clients} streams`,
      unit: "ms",
      value: app.p50,
      baseline: base.p50,
      baselineNote,
      note,
    },
    {
      scenario: SCENARIO,
      figure: `p99, ${many.clients} streams`,
      unit: "ms",
      value: many.lost > 0 ? Infinity : app.p99,
      baseline: base.p99,
      baselineNote,
      target: ratioTarget("<=", 10),
      note,
    },
  ];
}
