/**
 * What every scenario gets: the running environment, how big to make the
 * run, and a connected server in a channel to talk through.
 *
 * @module
 */
import type { Environment, ServerInfo } from "../support/environment.ts";
import type { BenchIrcClient } from "../support/ircServer.ts";

/** How many samples, clients, lines and workers a run uses. */
export interface Sizes {
  /** Command latency samples, at 20/s and back to back each. */
  commandSamples: number;
  /** Event latency samples at 20/s. */
  eventSamples: number;
  /** Event latency samples at the fast rate. */
  eventFastSamples: number;
  /** The fast rate of events, per second. */
  eventFastRate: number;
  /** The steady rate of the paced latency probes, per second. */
  pacedRate: number;
  /** Lines the IRC server blasts at one worker. */
  ingestLines: number;
  /** Event streams of one user in the fan-out. */
  fanoutClients: number;
  /** Messages a second during the fan-out. */
  fanoutRate: number;
  /** Messages sent during each fan-out run. */
  fanoutMessages: number;
  /** Messages sent first, at the same rate, and not counted (the paths warm up). */
  fanoutWarmup: number;
  /** Idle connected workers whose memory is measured. */
  memoryWorkers: number;
  /** How long the workers idle before their memory is read, ms. */
  memoryIdleMs: number;
  /** Networks of the user whose whole app's memory is measured (The Lounge's figure is for 10). */
  networks: number;
  /** Connects timed. */
  connectSamples: number;
  /** Messages stored for the search scenario, over `searchChannels` channels. */
  searchMessages: number;
  searchChannels: number;
  /** Search queries timed (and as many baseline ones). */
  searchQueries: number;
}

/** The full run: the counts, about 3 minutes on 2 cores. */
export const FULL: Sizes = {
  commandSamples: 2000,
  eventSamples: 2000,
  eventFastSamples: 2000,
  eventFastRate: 1000,
  pacedRate: 20,
  ingestLines: 200_000,
  fanoutClients: 1000,
  fanoutRate: 100,
  fanoutMessages: 500,
  fanoutWarmup: 100,
  memoryWorkers: 50,
  memoryIdleMs: 5000,
  networks: 10,
  connectSamples: 5,
  searchMessages: 1_000_000,
  searchChannels: 50,
  searchQueries: 100,
};

/** `--quick`: the same scenarios with a tenth of the samples, for development. */
export const QUICK: Sizes = {
  commandSamples: 200,
  eventSamples: 200,
  eventFastSamples: 1000,
  eventFastRate: 1000,
  pacedRate: 20,
  ingestLines: 20_000,
  fanoutClients: 100,
  fanoutRate: 100,
  fanoutMessages: 200,
  fanoutWarmup: 50,
  memoryWorkers: 10,
  memoryIdleMs: 2000,
  networks: 10,
  connectSamples: 3,
  // The full history: the search figures mean little on a smaller table.
  searchMessages: 1_000_000,
  searchChannels: 50,
  searchQueries: 100,
};

/** The smoke run of the tests: a handful of each, to prove every scenario still produces numbers. */
export const SMOKE: Sizes = {
  commandSamples: 5,
  eventSamples: 5,
  eventFastSamples: 20,
  eventFastRate: 200,
  pacedRate: 50,
  ingestLines: 500,
  fanoutClients: 3,
  fanoutRate: 50,
  fanoutMessages: 10,
  fanoutWarmup: 2,
  memoryWorkers: 2,
  memoryIdleMs: 100,
  networks: 2,
  connectSamples: 1,
  searchMessages: 2000,
  searchChannels: 5,
  searchQueries: 10,
};

/** What a scenario is run with. */
export interface ScenarioContext {
  env: Environment;
  sizes: Sizes;
  /** Progress lines. */
  log(line: string): void;
}

/** A connected server that has joined a channel, and its connection as the IRC server sees it. */
export interface ChatServer {
  server: ServerInfo;
  irc: BenchIrcClient;
  channel: string;
}

/** Creates and connects a server with `nickname`, and joins `channel` through the API. */
export async function openChatServer(
  env: Environment,
  nickname: string,
  channel: string,
): Promise<ChatServer> {
  const created = await env.createServer(nickname);
  await env.api("POST", `/api/servers/${created.id}/connect`, undefined, 202);
  const server = await env.waitForStatus(created.id, "connected");
  const irc = await env.irc.waitForClient(server.nickname);
  await env.api("POST", `/api/servers/${server.id}/commands`, { command: "join", channel });
  const deadline = performance.now() + 30_000;
  while (true) {
    const channels = await env.api<{ name: string; joined: boolean }[]>(
      "GET",
      `/api/servers/${server.id}/channels`,
    );
    if (channels.some((c) => c.name.toLowerCase() === channel.toLowerCase() && c.joined)) break;
    if (performance.now() > deadline) throw new Error(`${nickname} did not join ${channel}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { server, irc, channel };
}

/** The line the IRC server sends for someone saying `text` in `channel`. */
export function channelLine(channel: string, text: string): string {
  return `:alice!alice@127.0.0.1 PRIVMSG ${channel} :${text}`;
}
