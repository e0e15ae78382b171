/**
 * The worker lifecycle: real worker subprocesses started by the supervisor
 * against the small test IRC server and a test database.
 */
import { assert, assertEquals, assertMatch, assertRejects, waitFor } from "../../support/assert.ts";
import { createTestDatabase } from "../../support/database.ts";
import { type FakeIrcServer, startFakeIrcServer } from "../../support/fakeIrcServer.ts";
import { killProcess, processAlive, processArguments } from "../../support/process.ts";
import { createServer, makeSocketDir, spawnWorker, waitForStatus } from "../../support/worker.ts";
import {
  type ServerFixture,
  type ServerFixtureOptions,
  withServerFixture,
} from "../../support/serverFixture.ts";
import { IrcCommandSender } from "../../../lib/ircCommandSender.ts";
import { findServer, socketPathFor, updateServer } from "../../../lib/servers.ts";
import { Supervisor } from "../../../lib/supervisor/supervisor.ts";
import type { SupervisorOptions } from "../../../lib/supervisor/supervisorOptions.ts";
import { WorkerLimitError } from "../../../lib/supervisor/errors.ts";
import { LEASE_NAMESPACE } from "../../../lib/cluster/serverLease.ts";
import { sql } from "kysely";
import { PUBLIC_ONLY } from "../../../lib/ircTargets.ts";

interface Setup extends ServerFixture {
  /** A supervisor on the test's database; every one started is stopped at the end. */
  supervisor(options?: Partial<SupervisorOptions>): Promise<Supervisor>;
}

async function withSupervisorSetup(
  fn: (t: Setup) => Promise<void>,
  options: ServerFixtureOptions = {},
): Promise<void> {
  await withServerFixture(options, async (fixture) => {
    const { database, socketDir } = fixture;
    const supervisors: Supervisor[] = [];
    try {
      await fn({
        ...fixture,
        async supervisor(options = {}) {
          const supervisor = await Supervisor.start({
            db: database.db,
            databaseUrl: database.url,
            socketDir,
            logLevel: "info",
            ...options,
          });
          supervisors.push(supervisor);
          return supervisor;
        },
      });
    } finally {
      for (const supervisor of supervisors) await supervisor.stop();
    }
  });
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

function registrations(irc: FakeIrcServer): number {
  return irc.lines.filter((line) => line.startsWith("USER ")).length;
}

/** Lets a moment pass in which a wrong second worker or restart would show. */
const settle = (ms = 1500) => new Promise((r) => setTimeout(r, ms));

Deno.test("supervisor: connect gives a connected worker with a live pid and socket; disconnect ends it cleanly", async () => {
  await withSupervisorSetup(async ({ database, irc, socketDir, server, supervisor }) => {
    const supervisors = await supervisor();
    await supervisors.connect(server.id);
    assert(supervisors.isRunning(server.id));
    const row = await waitForStatus(database.db, server.id, "connected");
    const path = socketPathFor(socketDir, server.id);
    assertEquals(row.socket_path, path);
    assertEquals(row.autoconnect, true);
    assert(row.pid !== null && await processAlive(row.pid), "the pid is a live process");
    assert((await Deno.lstat(path)).isSocket, "the socket is there");

    // Spawned with the narrow flags of lib/supervisor/workerLaunch.ts.
    const args = await processArguments(row.pid);
    // Its own socket, not the folder of every worker's.
    assert(args.includes(`--allow-read=${path}`), args.join(" "));
    assert(args.includes(`--allow-write=${path}`), args.join(" "));
    assert(args.some((a) => a.startsWith("--allow-net=") && a.includes(`unix:${path}`)), args.join(" "));
    for (const flag of args.filter((a) => a.startsWith("-"))) {
      assert(!/^(-A|--allow-all|--allow-run|--allow-ffi|--allow-sys)(=|$)/.test(flag), `has ${flag}`);
      assert(!/^--allow-(net|read|write|env)$/.test(flag), `unscoped ${flag}`);
    }

    await supervisors.disconnect(server.id, "Bye now");
    await irc.waitForLine("QUIT :Bye now");
    assertEquals(await processAlive(row.pid), false, "the process is gone");
    assertEquals(await exists(path), false, "the socket is gone");
    const after = await findServer(database.db, server.id);
    assertEquals(
      [after?.status, after?.pid, after?.socket_path, after?.autoconnect],
      ["disconnected", null, null, false],
    );
    assertEquals(supervisors.isRunning(server.id), false);
  });
});

Deno.test("supervisor: concurrent connect requests start one worker", async () => {
  await withSupervisorSetup(async ({ database, irc, server, supervisor }) => {
    const supervisors = await supervisor();
    await Promise.all([
      supervisors.connect(server.id),
      supervisors.connect(server.id),
      supervisors.connect(server.id),
    ]);
    await waitForStatus(database.db, server.id, "connected");
    await supervisors.connect(server.id); // and again once it runs
    await settle();
    assertEquals(registrations(irc), 1);
    assertEquals(irc.clients.length, 1);
  });
});

Deno.test("supervisor: kill -9 of a worker gives a new connected worker with its channels rejoined", async () => {
  await withSupervisorSetup(async ({ database, irc, socketDir, server, supervisor }) => {
    const supervisors = await supervisor();
    await supervisors.connect(server.id);
    const first = await waitForStatus(database.db, server.id, "connected");
    await new IrcCommandSender(first).join("#ruby");
    await irc.waitForLine("JOIN #ruby");
    await waitFor(
      async () => (await database.db.selectFrom("channels").select("joined").executeTakeFirst())?.joined,
      5000,
      "#ruby recorded as joined",
    );

    const killedAt = performance.now();
    await killProcess(first.pid!);
    // Meanwhile: reconnecting, no dead pid, no stale socket.
    const waiting = await waitForStatus(database.db, server.id, "reconnecting");
    assert(performance.now() - killedAt < 5000, "the dead pid was cleared quickly");
    assertEquals([waiting.pid, waiting.socket_path], [null, null]);
    assertMatch(waiting.last_error ?? "", /SIGKILL.*restarting in 1 s/);
    assertEquals(await exists(socketPathFor(socketDir, server.id)), false, "the stale socket is removed");
    assert(supervisors.isRunning(server.id));

    const second = await waitForStatus(database.db, server.id, "connected", 15_000);
    assert(performance.now() - killedAt < 15_000, "back within a few seconds");
    assert(second.pid !== first.pid && await processAlive(second.pid!), "a new live worker");
    await irc.waitForLines(/^JOIN #ruby$/, 2);
    await new IrcCommandSender(second).privmsg("#ruby", "back");
    await irc.waitForLine("PRIVMSG #ruby :back");
  });
});

Deno.test("supervisor: restarts back off, doubling to the cap, and start over after a stable run", async () => {
  await withSupervisorSetup(async ({ database, server, supervisor }) => {
    const stableMs = 6000;
    const supervisors = await supervisor({ restart: { minMs: 200, maxMs: 800, stableMs } });
    await supervisors.connect(server.id);
    const delays: string[] = [];
    for (let i = 0; i < 5; i++) {
      const row = await waitForStatus(database.db, server.id, "connected", 15_000);
      await killProcess(row.pid!);
      const waiting = await waitForStatus(database.db, server.id, "reconnecting");
      delays.push(/restarting in (\S+ s)/.exec(waiting.last_error ?? "")?.[1] ?? "?");
    }
    assertEquals(delays, ["0.2 s", "0.4 s", "0.8 s", "0.8 s", "0.8 s"]);

    const row = await waitForStatus(database.db, server.id, "connected", 15_000);
    await settle(stableMs);
    await killProcess(row.pid!);
    const waiting = await waitForStatus(database.db, server.id, "reconnecting");
    assertMatch(waiting.last_error ?? "", /restarting in 0\.2 s/);
    await waitForStatus(database.db, server.id, "connected", 15_000);
  });
});

Deno.test("supervisor: a disconnect during the restart wait cancels the restart", async () => {
  await withSupervisorSetup(async ({ database, irc, server, supervisor }) => {
    const supervisors = await supervisor({ restart: { minMs: 2000 } });
    await supervisors.connect(server.id);
    const row = await waitForStatus(database.db, server.id, "connected");
    await killProcess(row.pid!);
    await waitForStatus(database.db, server.id, "reconnecting");
    await supervisors.disconnect(server.id);
    await settle(3000);
    const after = await findServer(database.db, server.id);
    assertEquals([after?.status, after?.pid, after?.autoconnect], ["disconnected", null, false]);
    assertEquals(registrations(irc), 1, "no restart");
    assertEquals(supervisors.isRunning(server.id), false);
  });
});

Deno.test("supervisor: a server deleted during the restart wait is let go, not restarted", async () => {
  await withSupervisorSetup(async ({ database, irc, server, supervisor }) => {
    const supervisors = await supervisor({ restart: { minMs: 1000 } });
    await supervisors.connect(server.id);
    const row = await waitForStatus(database.db, server.id, "connected");
    await killProcess(row.pid!);
    await waitForStatus(database.db, server.id, "reconnecting");
    await database.db.deleteFrom("servers").where("id", "=", server.id).execute();
    await waitFor(() => !supervisors.isRunning(server.id), 5000, "the supervisor to let go");
    await settle();
    assertEquals(registrations(irc), 1, "no restart");
  });
});

Deno.test("supervisor: a worker told to quit through its socket (/quit) is not restarted", async () => {
  await withSupervisorSetup(async ({ database, irc, server, supervisor }) => {
    const supervisors = await supervisor();
    await supervisors.connect(server.id);
    const row = await waitForStatus(database.db, server.id, "connected");
    await new IrcCommandSender(row).quit("done for today");
    await irc.waitForLine("QUIT :done for today");
    await waitFor(() => !supervisors.isRunning(server.id), 5000, "the supervisor to let go");
    await settle();
    const after = await findServer(database.db, server.id);
    assertEquals([after?.status, after?.pid, after?.autoconnect], ["disconnected", null, false]);
    assertEquals(registrations(irc), 1, "no restart");
  });
});

Deno.test("supervisor: connecting a server in error (bad password) starts it afresh", async () => {
  await withSupervisorSetup(async ({ database, server, supervisor }) => {
    const supervisors = await supervisor();
    await supervisors.connect(server.id);
    const failed = await waitForStatus(database.db, server.id, "error");
    assertMatch(failed.last_error ?? "", /password/i);
    await updateServer(database.db, server.id, { password: "secret" });
    await supervisors.connect(server.id);
    const row = await waitForStatus(database.db, server.id, "connected");
    assert(row.pid !== failed.pid);
    assertEquals(await processAlive(failed.pid!), false, "the old worker is gone");
  }, { irc: { password: "secret" }, server: { password: "wrong" } });
});

Deno.test("supervisor: two instances on one database run one worker per server", async () => {
  await withSupervisorSetup(async ({ database, irc, server, supervisor }) => {
    const one = await supervisor();
    const two = await supervisor();
    await Promise.all([one.connect(server.id), two.connect(server.id), one.connect(server.id)]);
    await waitForStatus(database.db, server.id, "connected");
    await settle();
    assertEquals(registrations(irc), 1);
    assertEquals([one.isRunning(server.id), two.isRunning(server.id)].filter(Boolean).length, 1);
    const [owner, other] = one.isRunning(server.id) ? [one, two] : [two, one];

    // The other instance can still disconnect it, through the worker's socket.
    await other.disconnect(server.id, "from the other instance");
    await irc.waitForLine("QUIT :from the other instance");
    await waitFor(() => !owner.isRunning(server.id), 5000, "the owner to let go");
    const after = await findServer(database.db, server.id);
    assertEquals([after?.status, after?.pid, after?.autoconnect], ["disconnected", null, false]);

    // Released: the other one may run it now.
    await other.connect(server.id);
    assert(other.isRunning(server.id));
    await waitForStatus(database.db, server.id, "connected");
  });
});

Deno.test("supervisor: at start, autoconnect servers are connected and a left-over worker is ended, not doubled", async () => {
  await withSupervisorSetup(async ({ database, irc, socketDir, server, supervisor }) => {
    // A worker from an earlier run of the app, still running.
    const leftover = spawnWorker(server, database.url, socketDir);
    try {
      const old = await waitForStatus(database.db, server.id, "connected");
      await updateServer(database.db, server.id, { autoconnect: true });

      await supervisor();
      assertEquals((await leftover.status).code, 0, "the left-over quit");
      await irc.waitForLine(/^QUIT/);
      const row = await waitForStatus(database.db, server.id, "connected");
      assert(row.pid !== old.pid && await processAlive(row.pid!), "a new worker runs");
      await settle();
      assertEquals(irc.clients.length, 1, "one connection to IRC");
      assertEquals(registrations(irc), 2);
    } finally {
      await leftover.kill();
    }
  });
});

Deno.test("supervisor: at start, stale sockets are removed and rows of dead workers cleared", async () => {
  await withSupervisorSetup(async ({ database, socketDir, server, supervisor }) => {
    const path = socketPathFor(socketDir, server.id);
    // A socket whose process died without cleaning up: nothing accepts on it.
    const dead = Deno.listen({ transport: "unix", path });
    dead.close();
    await Deno.writeTextFile(socketPathFor(socketDir, 4242), ""); // of a server that no longer exists
    await updateServer(database.db, server.id, { status: "connected", pid: 2 ** 22 + 1, socket_path: path });

    const supervisors = await supervisor();
    assertEquals(await exists(path), false);
    assertEquals(await exists(socketPathFor(socketDir, 4242)), false);
    const row = await findServer(database.db, server.id);
    assertEquals([row?.status, row?.pid, row?.socket_path], ["disconnected", null, null]);
    assertEquals(supervisors.isRunning(server.id), false);
  });
});

Deno.test("supervisor: stop quits every worker, leaves no process or socket, and keeps autoconnect", async () => {
  await withSupervisorSetup(async ({ database, irc, socketDir, server, supervisor }) => {
    const second = await createServer(database.db, { port: irc.port, nickname: "other" });
    const supervisors = await supervisor();
    await supervisors.connect(server.id);
    await supervisors.connect(second.id);
    const pids = [
      (await waitForStatus(database.db, server.id, "connected")).pid!,
      (await waitForStatus(database.db, second.id, "connected")).pid!,
    ];
    await supervisors.stop();
    await irc.waitForLines(/^QUIT/, 2);
    for (const pid of pids) assertEquals(await processAlive(pid), false, `pid ${pid} is gone`);
    assertEquals([...Deno.readDirSync(socketDir)].map((e) => e.name), []);
    for (const id of [server.id, second.id]) {
      const row = await findServer(database.db, id);
      assertEquals([row?.status, row?.pid, row?.socket_path, row?.autoconnect], [
        "disconnected",
        null,
        null,
        true,
      ]);
    }
    await supervisors.connect(server.id).then(
      () => assert(false, "a stopped supervisor starts nothing"),
      (error) => assertMatch(String(error), /shutting down/),
    );

    // The next start connects them again.
    await supervisor();
    await waitForStatus(database.db, server.id, "connected");
    await waitForStatus(database.db, second.id, "connected");
  });
});

Deno.test("supervisor: a dropped lease connection is taken back without touching the worker", async () => {
  await withSupervisorSetup(async ({ database, irc, server, supervisor }) => {
    const one = await supervisor();
    await one.connect(server.id);
    const row = await waitForStatus(database.db, server.id, "connected");
    const leaseHeld = async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_locks
        where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())
        and classid = ${LEASE_NAMESPACE} and objid = ${server.id}`.execute(database.db);
      return rows[0].n === 1;
    };
    assert(await leaseHeld(), "the lease is held");

    await sql`select pg_terminate_backend(pid) from pg_stat_activity
      where application_name = 'ircweb-leases' and datname = current_database()`.execute(database.db);
    await waitFor(
      async () => {
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
        where application_name = 'ircweb-leases' and datname = current_database()`.execute(database.db);
        return rows[0].n === 1 && await leaseHeld();
      },
      10_000,
      "the lease to be taken back on a new connection",
    );

    // Still one owner: another instance does not start a second worker.
    const two = await supervisor();
    await two.connect(server.id);
    assertEquals(two.isRunning(server.id), false);
    assert(one.isRunning(server.id));
    await settle();
    assertEquals((await findServer(database.db, server.id))?.pid, row.pid, "the same worker runs on");
    assertEquals(registrations(irc), 1);
  });
});

Deno.test("supervisor: a worker that cannot start ends in error, not in a restart loop", async () => {
  const database = await createTestDatabase();
  const irc = startFakeIrcServer();
  const base = await makeSocketDir();
  // A socket path over the 107 bytes Linux allows: the worker refuses to start.
  const socketDir = `${base}/${"d".repeat(100)}`;
  await Deno.mkdir(socketDir, { mode: 0o700 });
  const server = await createServer(database.db, { port: irc.port });
  const supervisors = await Supervisor.start({
    db: database.db,
    databaseUrl: database.url,
    socketDir,
    restart: { minMs: 100 },
  });
  try {
    await supervisors.connect(server.id);
    const row = await waitForStatus(database.db, server.id, "error");
    assertMatch(row.last_error ?? "", /could not start/);
    await waitFor(() => !supervisors.isRunning(server.id), 5000, "the supervisor to give up");
    await settle(1000);
    assertEquals((await findServer(database.db, server.id))?.status, "error");
    assertEquals(irc.lines.length, 0, "it never reached IRC");
  } finally {
    await supervisors.stop();
    await irc.close();
    await database.drop();
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("supervisor: at most maxWorkers workers run; one more is refused with a readable error until a place is free", async () => {
  await withSupervisorSetup(async ({ database, irc, server, supervisor }) => {
    const second = await createServer(database.db, { port: irc.port, nickname: "second" });
    const third = await createServer(database.db, { port: irc.port, nickname: "third" });
    const supervisors = await supervisor({ maxWorkers: 2 });
    assertEquals(supervisors.limits.maxWorkers, 2);

    // All at once: the place is taken when the connect is let through, not
    // once its worker is spawned, so the three cannot all fit in two.
    const results = await Promise.allSettled([server, second, third].map((s) => supervisors.connect(s.id)));
    const refused = results.flatMap((r, i) => r.status === "rejected" ? [{ i, reason: r.reason }] : []);
    assertEquals(refused.length, 1, JSON.stringify(results.map((r) => r.status)));
    assert(refused[0].reason instanceof WorkerLimitError, String(refused[0].reason));
    assertMatch(refused[0].reason.message, /limit of 2 IRC connections \(MAX_WORKERS\)/);
    const ids = [server.id, second.id, third.id];
    const outId = ids[refused[0].i];
    const inIds = ids.filter((id) => id !== outId);
    for (const id of inIds) await waitForStatus(database.db, id, "connected");
    const out = await findServer(database.db, outId);
    assertEquals([out?.status, out?.pid, out?.autoconnect], ["disconnected", null, false], "untouched");
    assertEquals(supervisors.isRunning(outId), false);

    // One that runs is no new worker: connecting it again at the limit is fine.
    await supervisors.connect(inIds[0]);
    await assertRejects(() => supervisors.connect(outId), WorkerLimitError);

    await supervisors.disconnect(inIds[0]);
    await supervisors.connect(outId);
    await waitForStatus(database.db, outId, "connected");
    await settle(500);
    assertEquals(irc.clients.length, 2, "two connections to IRC");
  });
});

Deno.test("supervisor: at start, autoconnect servers beyond maxWorkers stay stopped with the reason on their row", async () => {
  await withSupervisorSetup(async ({ database, irc, server, supervisor }) => {
    const second = await createServer(database.db, { port: irc.port, nickname: "second" });
    const third = await createServer(database.db, { port: irc.port, nickname: "third" });
    for (const s of [server, second, third]) await updateServer(database.db, s.id, { autoconnect: true });

    const supervisors = await supervisor({ maxWorkers: 2 });
    await waitForStatus(database.db, server.id, "connected");
    await waitForStatus(database.db, second.id, "connected");
    const refused = await findServer(database.db, third.id);
    assertEquals([refused?.status, refused?.pid, refused?.socket_path], ["error", null, null]);
    assertMatch(refused?.last_error ?? "", /^Not connected at start-up: .*limit of 2 IRC connections/);
    assertEquals(refused?.autoconnect, true, "a later start tries again");
    assertEquals(supervisors.isRunning(third.id), false);

    // The user connects it once there is room.
    await supervisors.disconnect(second.id);
    await supervisors.connect(third.id);
    const row = await waitForStatus(database.db, third.id, "connected");
    assertEquals(row.last_error, null);
  });
});

Deno.test("supervisor: a worker that runs out of memory stops with the reason on its row, not in a restart loop", async () => {
  // 4 MB is less than loading the worker takes: V8 ends it at its ceiling.
  await withSupervisorSetup(async ({ database, server, supervisor }) => {
    const supervisors = await supervisor({ workerMemoryMb: 4, restart: { minMs: 50, maxMs: 50 } });
    await supervisors.connect(server.id);
    const row = await waitForStatus(database.db, server.id, "error");
    assertEquals(row.last_error, "The IRC worker ran out of memory (limit 4 MB); connect again to retry");
    await settle(500);
    assertEquals(supervisors.isRunning(server.id), false);
    assertEquals((await findServer(database.db, server.id))?.status, "error", "not restarted");
  });
});

Deno.test("supervisor: a worker logs in as its own server's role, not as the app", async () => {
  await withSupervisorSetup(async ({ database, server, supervisor }) => {
    const supervisors = await supervisor();
    await supervisors.connect(server.id);
    await waitForStatus(database.db, server.id, "connected");
    const { rows } = await sql<{ usename: string }>`
      select usename from pg_stat_activity
      where datname = current_database() and application_name = ${`ircweb-worker-${server.id}`}`
      .execute(database.db);
    assert(rows.length > 0, "the worker's connection");
    for (const row of rows) assertMatch(row.usename, new RegExp(`^ircweb_[0-9]+_server_${server.id}$`));
  });
});

Deno.test("supervisor: a worker refuses a loopback IRC server unless ALLOWED_IRC_TARGETS allows it", async () => {
  await withSupervisorSetup(async ({ database, irc, server, supervisor }) => {
    const supervisors = await supervisor();
    const allowed = Deno.env.get("ALLOWED_IRC_TARGETS");
    // What an operator who set nothing runs: public addresses only.
    Deno.env.set("ALLOWED_IRC_TARGETS", "");
    try {
      await supervisors.connect(server.id);
    } finally {
      if (allowed === undefined) Deno.env.delete("ALLOWED_IRC_TARGETS");
      else Deno.env.set("ALLOWED_IRC_TARGETS", allowed);
    }
    const row = await waitForStatus(database.db, server.id, "error");
    assertEquals(
      row.last_error,
      "Connecting to 127.0.0.1 (a loopback address) is not allowed: set ALLOWED_IRC_TARGETS",
    );
    await settle(500);
    assertEquals(registrations(irc), 0, "nothing was sent to it");
  });
});

Deno.test("supervisor: a server whose name resolves inside the network is refused before any connection is made", async () => {
  await withSupervisorSetup(async ({ database, supervisor }) => {
    // A port of our own, to see whether anything connects at all.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    let connected = false;
    const accepting = (async () => {
      for await (const conn of listener) {
        connected = true;
        conn.close();
      }
    })();
    try {
      const server = await createServer(database.db, { host: "localhost", port });
      const supervisors = await supervisor({ ircTargets: PUBLIC_ONLY });
      const error = await assertRejects(() => supervisors.connect(server.id), Error);
      assertMatch(
        error.message,
        /^Connecting to localhost \((127\.0\.0\.1|::1)\) \(a loopback address\) is not allowed/,
      );
      const row = await findServer(database.db, server.id);
      assertEquals([row?.status, row?.pid, row?.socket_path], ["error", null, null]);
      assertEquals(row?.last_error, error.message);
      await settle(500);
      assertEquals(connected, false, "no connection was made to it");
    } finally {
      listener.close();
      await accepting.catch(() => {});
    }
  });
});
