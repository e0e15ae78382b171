import { assert, assertEquals } from "../../support/assert.ts";
import { testClusterUrl } from "../../support/database.ts";
import { createDb } from "../../../lib/db/database.ts";
import { type SupervisorOptions, supervisorSettings } from "../../../lib/supervisor/supervisorOptions.ts";
import { DEFAULT_RESTART_POLICY } from "../../../lib/supervisor/restartBackoff.ts";
import {
  DEFAULT_MAX_SERVERS_PER_USER,
  DEFAULT_MAX_WORKERS,
  DEFAULT_WORKER_MEMORY_MB,
} from "../../../lib/config.ts";
import { parseAllowedTargets, processTargetPolicy } from "../../../lib/ircTargets.ts";

/** Runs `fn` with the options every supervisor has; its pool opens no connection unless used. */
async function withBase(fn: (base: SupervisorOptions) => Promise<void> | void): Promise<void> {
  const db = createDb(testClusterUrl(), { maxConnections: 1 });
  try {
    await fn({ db, databaseUrl: "postgres://workers@localhost/ircweb", socketDir: "/run/ircweb" });
  } finally {
    await db.destroy();
  }
}

/** A bus whose `workerChannel` reads its own state, so it only works bound to it. */
class NamingBus {
  readonly asked: number[] = [];
  #prefix = "w";
  publish(): Promise<void> {
    return Promise.resolve();
  }
  workerChannel(serverId: number): Promise<string> {
    this.asked.push(serverId);
    return Promise.resolve(`${this.#prefix}${serverId}`);
  }
}

Deno.test("supervisor settings: the defaults fill in what the options leave out", () =>
  withBase((base) => {
    const db = base.db;
    const settings = supervisorSettings(base);
    assertEquals(settings.graceMs, 5000);
    assertEquals(settings.policy, DEFAULT_RESTART_POLICY);
    assert(
      settings.policy !== DEFAULT_RESTART_POLICY,
      "the shared default policy is handed out to be changed",
    );
    assertEquals(settings.limits, {
      maxWorkers: DEFAULT_MAX_WORKERS,
      maxServersPerUser: DEFAULT_MAX_SERVERS_PER_USER,
    });
    const spawning = settings.spawning;
    assert(spawning.db === db);
    assertEquals(spawning.databaseUrl, base.databaseUrl);
    assertEquals(spawning.socketDir, base.socketDir);
    assertEquals(spawning.logLevel, "info");
    assertEquals(spawning.memoryMb, DEFAULT_WORKER_MEMORY_MB);
    assert(spawning.ircTargets === processTargetPolicy(), "the process's own ALLOWED_IRC_TARGETS");
    assertEquals(spawning.bus, undefined);
    assertEquals(spawning.workerChannel, undefined);
    assertEquals(settings.cleanup, { db, socketDir: base.socketDir, graceMs: 5000, bus: undefined });
  }));

Deno.test("supervisor settings: given options win, a partial restart policy is merged, and the grace reaches the clean-up", () =>
  withBase(async (base) => {
    const targets = parseAllowedTargets("10.0.0.0/8");
    const bus = new NamingBus();
    const settings = supervisorSettings({
      ...base,
      stopGraceMs: 250,
      logLevel: "debug",
      restart: { minMs: 10 },
      maxWorkers: 3,
      maxServersPerUser: 2,
      workerMemoryMb: 64,
      ircTargets: targets,
      bus,
    });
    assertEquals(settings.graceMs, 250);
    assertEquals(settings.cleanup.graceMs, 250);
    assert(settings.cleanup.bus === bus && settings.spawning.bus === bus);
    assertEquals(settings.policy, { ...DEFAULT_RESTART_POLICY, minMs: 10 });
    assertEquals(settings.limits, { maxWorkers: 3, maxServersPerUser: 2 });
    assertEquals(settings.spawning.logLevel, "debug");
    assertEquals(settings.spawning.memoryMb, 64);
    assert(settings.spawning.ircTargets === targets);
    const workerChannel = settings.spawning.workerChannel;
    assert(workerChannel !== undefined, "the bus's workerChannel is passed on");
    assertEquals(await workerChannel(7), "w7");
    assertEquals(bus.asked, [7]);
  }));

Deno.test("supervisor settings: a bus without workerChannel leaves the workers without one", () =>
  withBase((base) => {
    const bus = { publish: () => Promise.resolve() };
    const settings = supervisorSettings({ ...base, bus });
    assert(settings.spawning.bus === bus);
    assertEquals(settings.spawning.workerChannel, undefined);
  }));
