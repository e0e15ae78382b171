/**
 * Command latency: `POST /api/servers/:id/commands` with a `privmsg`, from
 * the moment the request is made until its line is read by the IRC server
 * (HTTP, token check, server lookup, the Unix-socket round trip to the
 * worker, validation, irc-framework's write). Taken at a steady 20/s and
 * back to back.
 *
 * Baseline: a bare Deno Unix-socket request/reply (connect, one JSON line,
 * one reply line, close, as `IrcCommandSender` does) against a server
 * process that only answers.
 *
 * @module
 */
import { HttpClient } from "../support/httpClient.ts";
import { deferred, type Probe, within } from "../support/pace.ts";
import { type Figure, percentileFigures, ratioTarget, summarize } from "../support/stats.ts";
import type { ChatServer, ScenarioContext } from "./context.ts";

const SCENARIO = "command latency";
const UNIX_ECHO = new URL("../support/unixEcho.ts", import.meta.url).pathname;

/** The two probes of the scenario and how to end them. */
export interface CommandLatency {
  /** One command through the app. */
  app: Probe;
  /** One bare Unix-socket request/reply. */
  baseline: Probe;
  close(): Promise<void>;
}

/**
 * Sets up both probes: commands go to `chat`'s channel; the baseline server
 * listens on `socketPath` (an absolute path the bench may use).
 */
export async function setupCommandLatency(
  ctx: ScenarioContext,
  chat: ChatServer,
  socketPath: string,
): Promise<CommandLatency> {
  const { env } = ctx;
  const waiting = new Map<string, (at: number) => void>();
  const unlisten = env.irc.listen((message) => {
    if (message.client === chat.irc && message.text.startsWith("cmd ")) {
      waiting.get(message.text)?.(message.at);
    }
  });
  const path = `/api/servers/${chat.server.id}/commands`;
  const headers = { authorization: `Bearer ${env.token}`, "content-type": "application/json" };
  // One kept-alive connection, as a browser's; `fetch` would add its own
  // cost to every sample (see support/httpClient.ts).
  const http = await HttpClient.connect(env.baseUrl);
  let counter = 0;

  const app = commandProbe(http, path, headers, chat.channel, waiting, "cmd");

  const echo = await startUnixEcho(socketPath);
  const encoder = new TextEncoder();
  const buffer = new Uint8Array(1024);
  const baseline: Probe = async () => {
    const request = encoder.encode(
      JSON.stringify({ command: "privmsg", target: chat.channel, message: `base ${++counter}` }) + "\n",
    );
    const start = performance.now();
    const conn = await Deno.connect({ transport: "unix", path: socketPath });
    try {
      await conn.write(request);
      let got = 0;
      while (true) {
        const n = await conn.read(buffer.subarray(got));
        if (n === null) throw new Error("the baseline server hung up");
        got += n;
        if (buffer.subarray(0, got).includes(10)) break;
      }
    } finally {
      conn.close();
    }
    return performance.now() - start;
  };

  return {
    app,
    baseline,
    async close() {
      unlisten();
      http.close();
      await echo.stop();
    },
  };
}

/**
 * The scenario's figures from its samples. Targets (issue #20) are on the
 * steady rate, as a user types; back to back shows the path's own cost.
 */
export function commandFigures(
  paced: { app: number[]; baseline: number[]; rate: number },
  backToBack: { app: number[]; baseline: number[] },
): Figure[] {
  const sets = [
    {
      label: `at ${paced.rate}/s`,
      set: paced,
      p50Target: ratioTarget("<=", 1.8),
      p99Target: ratioTarget("<=", 3),
    },
    { label: "back to back", set: backToBack },
  ];
  return sets.flatMap(({ label, set, p50Target, p99Target }) => {
    const app = summarize(set.app);
    return percentileFigures(
      {
        scenario: SCENARIO,
        name: (p) => `${p} ${label}`,
        unit: "ms",
        baselineNote: "Unix-socket request/reply",
        note: `${app.n} samples; max ${app.max.toFixed(2)} ms`,
        p50Target,
        p99Target,
      },
      app,
      summarize(set.baseline),
    );
  });
}

interface UnixEcho {
  stop(): Promise<void>;
}

async function startUnixEcho(path: string): Promise<UnixEcho> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      `--allow-read=${path}`,
      `--allow-write=${path}`,
      `--allow-net=unix:${path}`,
      UNIX_ECHO,
      path,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const first = await within(reader.read(), 30_000, "the baseline socket server to start");
  if (!first.value?.includes("ready")) throw new Error("the baseline socket server did not start");
  reader.cancel().catch(() => {});
  return {
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await child.status;
      await Deno.remove(path).catch(() => {});
    },
  };
}

/**
 * A probe timing `POST path` (a privmsg to `target`) until the IRC server
 * reads its line, which `waiting` is told of by the caller's listener.
 */
export function commandProbe(
  http: HttpClient,
  path: string,
  headers: Record<string, string>,
  target: string,
  waiting: Map<string, (at: number) => void>,
  prefix: string,
): Probe {
  let counter = 0;
  return async () => {
    const marker = `${prefix} ${++counter}`;
    const arrived = deferred<number>();
    waiting.set(marker, arrived.resolve);
    const start = performance.now();
    const answer = await http.request(
      "POST",
      path,
      headers,
      JSON.stringify({ command: "privmsg", target, message: marker }),
    );
    if (answer.status !== 200) throw new Error(`command answered ${answer.status}: ${answer.body}`);
    const at = await within(arrived.promise, 10_000, `${marker} to reach the IRC server`);
    waiting.delete(marker);
    return at - start;
  };
}
