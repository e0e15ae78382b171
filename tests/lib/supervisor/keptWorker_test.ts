import { assert, assertEquals, waitFor } from "../../support/assert.ts";
import { type ServerFixture, withServerFixture } from "../../support/serverFixture.ts";
import { IrcCommandSender } from "../../../lib/ircCommandSender.ts";
import { socketPathFor } from "../../../lib/servers.ts";
import { KeptWorker } from "../../../lib/supervisor/keptWorker.ts";
import { supervisorSettings } from "../../../lib/supervisor/supervisorOptions.ts";
import { socketExists } from "../../../lib/supervisor/workerSockets.ts";

function keptWorker(t: ServerFixture): KeptWorker {
  const settings = supervisorSettings({
    db: t.database.db,
    databaseUrl: t.database.url,
    socketDir: t.socketDir,
    stopGraceMs: 5000,
  });
  return new KeptWorker(t.server.id, { spawning: settings.spawning, policy: settings.policy, graceMs: 5000 });
}

/** Runs `fn` with a kept worker, killed after it if still alive. */
function withKept(fn: (t: ServerFixture, kept: KeptWorker) => Promise<void>): Promise<void> {
  return withServerFixture({}, async (t) => {
    const kept = keptWorker(t);
    try {
      await fn(t, kept);
    } finally {
      if (kept.alive) await kept.kill();
      await kept.output;
    }
  });
}

Deno.test("kept worker: spawned, it runs until stopped; a stop quits IRC, leaves no socket, and is no crash", () =>
  withKept(async (t, kept) => {
    assert(!kept.alive);
    const exits: number[] = [];
    const before = performance.now();
    await kept.spawn((_status, pid) => exits.push(pid));
    assert(kept.alive, "not alive after spawn");
    assert(kept.startedAt >= before, "startedAt is the spawn's time");
    assert(!kept.outOfMemory);
    await t.irc.waitForClient();
    const socket = socketPathFor(t.socketDir, t.server.id);
    await waitFor(() => socketExists(socket), 10_000, "the worker's socket");
    await kept.stop("done here");
    await t.irc.waitForLine(/^QUIT :done here/);
    assert(!kept.alive, "alive after stop");
    assert(!await socketExists(socket), "the socket was left behind");
    await kept.output;
    assertEquals(exits, [], "a stop was taken for an unexpected exit");
    // Stopping what does not run is nothing.
    await kept.stop(null);
  }));

Deno.test("kept worker: an exit it did not ask for is reported with its status and pid", () =>
  withKept(async (t, kept) => {
    const exits: [Deno.CommandStatus, number][] = [];
    await kept.spawn((status, pid) => exits.push([status, pid]));
    await t.irc.waitForClient();
    const row = await t.database.db.selectFrom("servers").select(["pid", "socket_path"])
      .where("id", "=", t.server.id).executeTakeFirstOrThrow();
    assert(row.pid !== null && row.socket_path !== null, "the worker wrote its pid and socket");
    // Told to quit by someone other than the kept worker: an exit it did not ask for.
    await new IrcCommandSender({ socket_path: row.socket_path }).quit("not by you");
    await waitFor(() => exits.length > 0, 10_000, "the exit to be reported");
    assertEquals(exits[0][1], row.pid);
    assertEquals([exits[0][0].code, exits[0][0].signal], [0, null]);
    assert(!kept.alive, "alive after it died");
  }));

Deno.test("kept worker: a kill ends the process without a word, and is no crash", () =>
  withKept(async (t, kept) => {
    const exits: number[] = [];
    await kept.spawn((_status, pid) => exits.push(pid));
    await t.irc.waitForClient();
    await kept.kill();
    assert(!kept.alive);
    await kept.output;
    assertEquals(exits, []);
  }));

Deno.test("kept worker: a restart waits its time, and a cancelled one never runs", () =>
  withServerFixture({}, async (t) => {
    const kept = keptWorker(t);
    let restarted = 0;
    kept.restartAfter(10, () => restarted++);
    await waitFor(() => restarted === 1, 5000, "the restart");
    kept.restartAfter(50, () => restarted++);
    kept.cancelRestart();
    await new Promise((r) => setTimeout(r, 100));
    assertEquals(restarted, 1, "a cancelled restart ran");
  }));
