/**
 * Scale-out: a fresh app and database of its own, with more instances beside that app. Command latency
 * through an instance that does not run the network (forwarded over signed HTTP) against the one that
 * does, and the failover time from SIGKILL of an instance until each of its networks registers on the
 * IRC server again from another instance.
 * @module
 */
import { startAppProcess } from "../../tests/support/appProcess.ts";
import { leaseOwners, liveInstances } from "../../lib/cluster/instances.ts";
import { type Environment, type ServerInfo, startEnvironment } from "../support/environment.ts";
import type { BenchIrcClient } from "../support/ircServer.ts";
import { HttpClient } from "../support/httpClient.ts";
import { type Probe, runPaced } from "../support/pace.ts";
import { type Figure, percentileFigures, ratioTarget, summarize } from "../support/stats.ts";
import type { ScenarioContext } from "./context.ts";
import { commandProbe } from "./commandLatency.ts";

const SCENARIO = "scale-out";
const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
/** Networks spread over the instances: alone, 3 each on two and 2 each on three (a killed one's 2 move). */
const NETWORKS = 6;
/** The instance the scenario starts beside its fresh app and keeps; the latency's owner. */
const OWNER_ID = "bench-b";

/** Latency samples (ms) through each path and failover times (ms), one per moved network. */
export interface ScaleOutResult {
  owner: number[];
  other: number[];
  rate: number;
  failover: number[];
  kills: number;
}

type AppProcess = Awaited<ReturnType<typeof startAppProcess>>;

/**
 * On a fresh app and database of the bench's cluster (the bench's IRC
 * server), so no other scenario's networks are placed with these and none
 * of them is handed over: starts a second instance, spreads
 * {@link NETWORKS} networks over both, times commands through each, then
 * `sizes.connectSamples` times starts a third, lets it take its share,
 * kills it with SIGKILL and times each of its networks until it is
 * registered on the IRC server again.
 */
export async function runScaleOut(ctx: ScenarioContext): Promise<ScaleOutResult> {
  const { sizes, log } = ctx;
  const env = await startEnvironment({
    databaseUrl: ctx.env.databaseUrl,
    irc: ctx.env.irc,
    log: (line) => log(`scale-out: ${line}`),
  });
  try {
    return await onEnvironment(env, sizes, log);
  } finally {
    await env.close();
  }
}

async function onEnvironment(
  env: Environment,
  sizes: ScenarioContext["sizes"],
  log: ScenarioContext["log"],
): Promise<ScaleOutResult> {
  const apps: AppProcess[] = [];
  const dirs: string[] = [];
  const start = async (id: string) => {
    // Inside the project, as the bench's own instance: the app may read only there.
    const dir = `${ROOT}/tmp/bench/sockets-${id}-${crypto.randomUUID().slice(0, 8)}`;
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    dirs.push(dir);
    const app = await startAppProcess(env.databaseUrl, dir, { env: { INSTANCE_ID: id } });
    apps.push(app);
    return app;
  };
  try {
    const owner = await start(OWNER_ID);
    const servers: ServerInfo[] = [];
    for (let i = 1; i <= NETWORKS; i++) {
      const server = await env.createServer(`scale${i}`);
      await env.api("POST", `/api/servers/${server.id}/connect`, undefined, 202);
      servers.push(server);
    }
    await settle(env, servers, 2);
    const owners = await leaseOwners(env.db);
    const chat = servers.find((s) => owners.get(s.id) === OWNER_ID);
    if (!chat) throw new Error(`${OWNER_ID} runs none of the networks`);

    log(`scale-out: command latency through ${OWNER_ID} and through the scenario's first instance...`);
    const latency = await commandProbes(env, chat, owner.url);
    let samples: number[][];
    try {
      for (let i = 0; i < 20; i++) {
        await latency.owner();
        await latency.other();
      }
      samples = await runPaced([latency.owner, latency.other], sizes.pacedRate, sizes.commandSamples);
    } finally {
      latency.close();
    }

    const failover: number[] = [];
    for (let kill = 1; kill <= sizes.connectSamples; kill++) {
      const id = `bench-k${kill}`;
      const victim = await start(id);
      await settle(env, servers, 3);
      const held = await leaseOwners(env.db);
      const moving = servers.filter((s) => held.get(s.id) === id);
      const before = new Map<number, BenchIrcClient>();
      for (const s of moving) before.set(s.id, await env.irc.waitForClient(s.nickname));
      const killedAt = performance.now();
      victim.child.kill("SIGKILL");
      const back = await Promise.all(
        moving.map((s) => registeredAgain(env, s.nickname, before.get(s.id)!, 60_000)),
      );
      failover.push(...back.map((at) => at - killedAt));
      await victim.exited;
      // Back on the two that are left, each connected, before the next kill.
      await settle(env, servers, 2);
      log(
        `scale-out: kill ${kill} of ${sizes.connectSamples}: ${
          back.map((at) => (at - killedAt).toFixed(0))
        } ms`,
      );
    }
    for (const s of servers) await env.api("POST", `/api/servers/${s.id}/disconnect`, undefined, 202);
    return {
      owner: samples[0],
      other: samples[1],
      rate: sizes.pacedRate,
      failover,
      kills: sizes.connectSamples,
    };
  } catch (error) {
    log(`--- the scenario's own app ${env.baseUrl}\n${env.appLog().slice(-3000)}`);
    for (const app of apps) log(`--- ${app.url}\n${app.log().slice(-3000)}`);
    throw error;
  } finally {
    await Promise.all(apps.map((app) => app.stop()));
    for (const dir of dirs) await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** The scenario's figures: the non-owner's latency against the owner's, and the failover times. */
export function scaleOutFigures(result: ScaleOutResult): Figure[] {
  const failover = summarize(result.failover);
  const other = summarize(result.other);
  return [
    ...percentileFigures(
      {
        scenario: SCENARIO,
        name: (p) => `command ${p} at ${result.rate}/s via a non-owner`,
        unit: "ms",
        baselineNote: "the same command through the instance running the network",
        note: `${other.n} samples; max ${other.max.toFixed(2)} ms`,
        p50Target: ratioTarget("<=", 2),
        p99Target: ratioTarget("<=", 2),
      },
      other,
      summarize(result.owner),
    ),
    {
      scenario: SCENARIO,
      figure: "failover after SIGKILL (median)",
      unit: "ms",
      value: failover.p50,
      baseline: null,
      target: { op: "<=", value: 5000 },
      note: `${failover.n} networks over ${result.kills} kills; max ${Math.round(failover.max)} ms`,
    },
    {
      scenario: SCENARIO,
      figure: "failover after SIGKILL (max)",
      unit: "ms",
      value: failover.max,
      baseline: null,
      note: `${failover.n} networks over ${result.kills} kills`,
    },
  ];
}

interface CommandProbes {
  owner: Probe;
  other: Probe;
  close(): void;
}

// A privmsg through each instance's API until the IRC server reads its line.
async function commandProbes(env: Environment, chat: ServerInfo, ownerUrl: string): Promise<CommandProbes> {
  const nick = chat.nickname.toLowerCase();
  const waiting = new Map<string, (at: number) => void>();
  const unlisten = env.irc.listen((message) => {
    if (message.client.nick.toLowerCase() === nick) waiting.get(message.text)?.(message.at);
  });
  const path = `/api/servers/${chat.id}/commands`;
  const headers = { authorization: `Bearer ${env.token}`, "content-type": "application/json" };
  const [viaOwner, viaOther] = [await HttpClient.connect(ownerUrl), await HttpClient.connect(env.baseUrl)];
  // Two counters' markers never meet: each probe has a prefix of its own.
  const probe = (http: HttpClient, prefix: string) =>
    commandProbe(http, path, headers, "sink", waiting, prefix);
  return {
    owner: probe(viaOwner, "scale owner"),
    other: probe(viaOther, "scale other"),
    close() {
      unlisten();
      viaOwner.close();
      viaOther.close();
    },
  };
}

/**
 * Waits until `instances` instances are live, each runs at least one of
 * `servers` (the only networks of the scenario's database), every one is
 * connected, and no lease has moved for 2.5 s (the placement's rounds agree
 * and any handover has ended).
 */
async function settle(env: Environment, servers: ServerInfo[], instances: number): Promise<void> {
  const deadline = performance.now() + 60_000;
  let steady = 0;
  let previous = "";
  let state = "";
  while (true) {
    const live = await liveInstances(env.db);
    const owners = await leaseOwners(env.db);
    const rows = await env.db.selectFrom("servers").select(["id", "status"])
      .where("id", "in", servers.map((s) => s.id)).execute();
    const mine = new Set(servers.map((s) => owners.get(s.id)));
    const spread = live.length === instances && live.every((i) => mine.has(i.id));
    const connected = rows.length === servers.length && rows.every((r) => r.status === "connected");
    const leases = JSON.stringify([...owners].sort((x, y) => x[0] - y[0]));
    state = `live ${live.map((i) => i.id).join(",")}; leases ${leases}; ${
      rows.map((r) => `${r.id}:${r.status}`).join(" ")
    }`;
    steady = spread && connected && leases === previous ? steady + 1 : 0;
    previous = leases;
    if (steady >= 10) break;
    if (performance.now() > deadline) {
      throw new Error(`the networks did not settle on ${instances} instances: ${state}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  for (const s of servers) await env.irc.waitForClient(s.nickname, 30_000);
}

// When a client other than `before` has registered as `nick`.
async function registeredAgain(
  env: Environment,
  nick: string,
  before: BenchIrcClient,
  timeoutMs: number,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (true) {
    const left = deadline - performance.now();
    if (left <= 0) throw new Error(`${nick} was not registered again within ${timeoutMs} ms of the kill`);
    const client = await env.irc.waitForClient(nick, left).catch(() => undefined);
    if (client !== undefined && client !== before) return performance.now();
    await new Promise((r) => setTimeout(r, 5));
  }
}
