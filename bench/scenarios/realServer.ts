/**
 * Latency against a real IRC server: the same two paths as the command and
 * event latency scenarios, measured through InspIRCd 3 (Debian's package,
 * `support/inspircd.ts`) and, in the same run, through the bench's own
 * server, which is each figure's baseline. On each server a plain IRC
 * client ("alice", a raw TCP connection) shares a channel with one of our
 * workers:
 *
 * - event: alice sends a PRIVMSG; the time is taken until an SSE client of
 *   `GET /api/events` receives the stored event;
 * - command: `POST /api/servers/:id/commands` with a `privmsg`, until alice
 *   reads the line the server relays.
 *
 * Both servers are reached the same way, so a ratio is what the server
 * changes. The bench's own server writes every line at once with
 * `TCP_NODELAY`; InspIRCd 3 leaves Nagle's algorithm on, which the bench's
 * server could never show: the worker's own socket had it on too (fixed),
 * and InspIRCd holds a line behind its echo of ours until our delayed ACK
 * (up to 40 ms), which the interleaved phase measures (bench/README.md,
 * "Against a real IRC server").
 *
 * @module
 */
import { HttpClient } from "../support/httpClient.ts";
import { startInspIrcd } from "../support/inspircd.ts";
import { deferred, type Probe, runPaced, within } from "../support/pace.ts";
import { openEventStream } from "../support/sseClient.ts";
import { closeQuietly, readTimedLines } from "../support/timedLines.ts";
import { writeAll } from "../../lib/writeAll.ts";
import { type Figure, percentileFigures, ratioTarget, summarize, type Summary } from "../support/stats.ts";
import type { ScenarioContext } from "./context.ts";

const SCENARIO = "real IRC server";
const CHANNEL = "#real";
/** At most this many samples of each probe in each phase (the outside measurement took 500). */
const MAX_SAMPLES = 500;
/** Samples of each probe in the interleaved phase, which only shows the stall. */
const MIXED_SAMPLES = 100;
/** Target ratios to the same figure against the bench's own server. */
const EVENT_P50_RATIO = 1.3;
const COMMAND_P50_RATIO = 2;

const encoder = new TextEncoder();

/** The samples of the probes: through InspIRCd (`real`) and the bench's own server (`own`). */
export interface RealServerSamples {
  rate: number;
  /** Events alone (no command in between). */
  event: { real: number[]; own: number[] };
  /** Commands alone. */
  command: { real: number[]; own: number[] };
  /** Events while commands go through the same connections, interleaved. */
  mixedEvent: { real: number[]; own: number[] };
}

/**
 * Runs the scenario: starts InspIRCd, connects a worker to it and one to the
 * bench's server, then paces the events of both, the commands of both, and
 * a shorter phase of both interleaved.
 */
export async function runRealServer(ctx: ScenarioContext): Promise<RealServerSamples> {
  const { env, sizes, log } = ctx;
  const samples = Math.min(MAX_SAMPLES, Math.max(sizes.eventSamples, sizes.commandSamples));
  const mixed = Math.min(MIXED_SAMPLES, samples);
  const warmup = Math.min(50, samples);
  const ircd = await startInspIrcd();
  const closers: (() => Promise<void> | void)[] = [() => ircd.stop()];
  try {
    log(`real IRC server: InspIRCd on port ${ircd.port}`);
    const real = await openSide(ctx, "realbench", ircd.port, "i");
    closers.push(real.close);
    const own = await openSide(ctx, "ownbench", env.irc.port, "o");
    closers.push(own.close);

    const arrivals = new Map<string, (at: number) => void>();
    const stream = await openEventStream(env.baseUrl, env.token, (event, data, at) => {
      if (event !== "message") return;
      const match = /"content":"(rv [io] \d+)"/.exec(data);
      if (match) arrivals.get(match[1])?.(at);
    });
    closers.push(() => stream.close());
    await within(stream.ready, 30_000, "the event stream to be ready");

    let counter = 0;
    const eventProbe = (side: Side): Probe => async () => {
      const marker = `rv ${side.tag} ${++counter}`;
      const arrived = deferred<number>();
      arrivals.set(marker, arrived.resolve);
      const start = performance.now();
      await side.alice.send(`PRIVMSG ${CHANNEL} :${marker}`);
      try {
        return (await within(arrived.promise, 10_000, `${marker} to arrive on the event stream`)) - start;
      } finally {
        arrivals.delete(marker);
      }
    };
    const http = await HttpClient.connect(env.baseUrl);
    closers.push(() => http.close());
    const headers = { authorization: `Bearer ${env.token}`, "content-type": "application/json" };
    const commandProbe = (side: Side): Probe => async () => {
      const marker = `rc ${side.tag} ${++counter}`;
      const heard = side.alice.waitFor(marker);
      const start = performance.now();
      const answer = await http.request(
        "POST",
        `/api/servers/${side.serverId}/commands`,
        headers,
        JSON.stringify({ command: "privmsg", target: CHANNEL, message: marker }),
      );
      if (answer.status !== 200) throw new Error(`command answered ${answer.status}: ${answer.body}`);
      return (await within(heard, 10_000, `${marker} to reach alice`)) - start;
    };
    const events = [eventProbe(real), eventProbe(own)];
    const commands = [commandProbe(real), commandProbe(own)];
    for (let i = 0; i < warmup; i++) for (const probe of [...events, ...commands]) await probe();
    const rate = sizes.pacedRate;
    log(`real IRC server: events at ${rate}/s, ${samples} through each server...`);
    const [eventReal, eventOwn] = await runPaced(events, rate, samples);
    log(`real IRC server: commands at ${rate}/s, ${samples} through each server...`);
    const [commandReal, commandOwn] = await runPaced(commands, rate, samples);
    log(`real IRC server: events and commands interleaved at ${rate}/s, ${mixed} each...`);
    const [mixedReal, mixedOwn] = await runPaced([...events, ...commands], rate, mixed);
    return {
      rate,
      event: { real: eventReal, own: eventOwn },
      command: { real: commandReal, own: commandOwn },
      mixedEvent: { real: mixedReal, own: mixedOwn },
    };
  } catch (error) {
    log(`InspIRCd's log:\n${(await ircd.log()).slice(-3000)}`);
    throw error;
  } finally {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => {});
  }
}

/** The scenario's figures: each against the same figure through the bench's own server. */
export function realServerFigures(s: RealServerSamples): Figure[] {
  const baselineNote = "the same path through the bench's own IRC server, same phase";
  const note = (x: Summary) => `${x.n} samples; max ${x.max.toFixed(2)} ms; InspIRCd 3 (Debian)`;
  const pair = (what: string, samples: { real: number[]; own: number[] }, p50Target?: number) => {
    const real = summarize(samples.real);
    return percentileFigures(
      {
        scenario: SCENARIO,
        name: (p) => `${what} ${p} at ${s.rate}/s`,
        unit: "ms",
        baselineNote,
        note: note(real),
        p50Target: p50Target === undefined ? undefined : ratioTarget("<=", p50Target),
      },
      real,
      summarize(samples.own),
    );
  };
  const mixed = { real: summarize(s.mixedEvent.real), own: summarize(s.mixedEvent.own) };
  return [
    ...pair("event", s.event, EVENT_P50_RATIO),
    ...pair("command", s.command, COMMAND_P50_RATIO),
    {
      scenario: SCENARIO,
      figure: `event p50, commands between`,
      unit: "ms",
      value: mixed.real.p50,
      baseline: mixed.own.p50,
      baselineNote,
      note: `${note(mixed.real)}; InspIRCd's Nagle behind our delayed ACK of its echo (bench/README.md)`,
    },
  ];
}

/** One server: our worker on it, in {@link CHANNEL}, and alice beside it. */
interface Side {
  tag: string;
  serverId: number;
  alice: RawIrcClient;
  close(): Promise<void>;
}

async function openSide(ctx: ScenarioContext, nickname: string, port: number, tag: string): Promise<Side> {
  const { env } = ctx;
  const server = await env.api<{ id: number }>("POST", "/api/servers", {
    name: nickname,
    host: "127.0.0.1",
    port,
    tls: false,
    nickname,
    flood_interval_ms: 0,
  }, 201);
  await env.api("POST", `/api/servers/${server.id}/connect`, undefined, 202);
  await env.waitForStatus(server.id, "connected");
  await env.api("POST", `/api/servers/${server.id}/commands`, { command: "join", channel: CHANNEL });
  const deadline = performance.now() + 30_000;
  while (true) {
    const channels = await env.api<{ name: string; joined: boolean }[]>(
      "GET",
      `/api/servers/${server.id}/channels`,
    );
    if (channels.some((c) => c.name.toLowerCase() === CHANNEL && c.joined)) break;
    if (performance.now() > deadline) throw new Error(`${nickname} did not join ${CHANNEL}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const alice = await RawIrcClient.connect(port, `alice${tag}`);
  await alice.join(CHANNEL);
  return {
    tag,
    serverId: server.id,
    alice,
    async close() {
      alice.close();
      await env.api("POST", `/api/servers/${server.id}/disconnect`, undefined, 202).catch(() => {});
    },
  };
}

/** A bare IRC client over TCP (`TCP_NODELAY`, as the bench's other clients): registers, joins, talks. */
class RawIrcClient {
  readonly #conn: Deno.TcpConn;
  readonly #waiting = new Map<string, (at: number) => void>();
  readonly #lineWaiters = new Set<(line: string) => boolean>();
  #closed = false;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    conn.setNoDelay(true);
    this.#read();
  }

  /** Connects and registers as `nick`. */
  static async connect(port: number, nick: string): Promise<RawIrcClient> {
    const client = new RawIrcClient(await Deno.connect({ hostname: "127.0.0.1", port }));
    const welcome = client.#nextLine((line) => / 001 /.test(line));
    await client.send(`NICK ${nick}`);
    await client.send(`USER ${nick} 0 * :${nick}`);
    await within(welcome, 30_000, `${nick} to be welcomed`);
    return client;
  }

  /** Joins `channel`; resolves at the end of its names list. */
  async join(channel: string): Promise<void> {
    const joined = this.#nextLine((line) => / 366 /.test(line));
    await this.send(`JOIN ${channel}`);
    await within(joined, 30_000, `joining ${channel}`);
  }

  /** Resolves with `performance.now()` when a line ending in `:<text>` is read. */
  waitFor(text: string): Promise<number> {
    const heard = deferred<number>();
    this.#waiting.set(text, heard.resolve);
    return heard.promise.finally(() => this.#waiting.delete(text));
  }

  async send(line: string): Promise<void> {
    await writeAll(this.#conn, encoder.encode(`${line}\r\n`));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeQuietly(this.#conn);
  }

  #nextLine(match: (line: string) => boolean): Promise<void> {
    const seen = deferred<void>();
    const waiter = (line: string) => {
      if (!match(line)) return false;
      seen.resolve();
      return true;
    };
    this.#lineWaiters.add(waiter);
    return seen.promise.finally(() => this.#lineWaiters.delete(waiter));
  }

  #read(): Promise<void> {
    return readTimedLines(this.#conn, (line, at) => this.#handle(line, at), () => this.#closed);
  }

  #handle(line: string, at: number): void {
    if (line.startsWith("PING ")) {
      this.send(`PONG ${line.slice(5)}`).catch(() => {});
      return;
    }
    for (const waiter of this.#lineWaiters) waiter(line);
    const trailing = line.indexOf(" :", 1);
    if (trailing !== -1) this.#waiting.get(line.slice(trailing + 2))?.(at);
  }
}
