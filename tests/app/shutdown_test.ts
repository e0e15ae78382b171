/**
 * The app process and its workers: started with the flags of `deno task
 * start`, stopped with SIGTERM or SIGINT (no worker process and no socket may
 * remain), killed outright (its workers notice and quit), signalled through
 * `deno task start` itself, and two instances on one database.
 */
import { assert, assertEquals, waitFor } from "../support/assert.ts";
import { type ServerFixture, withServerFixture } from "../support/serverFixture.ts";
import { childPids, killProcess, processAlive } from "../support/process.ts";
import { type AppProcess, type AppProcessOptions, startAppProcess } from "../support/appProcess.ts";
import { waitForStatus } from "../support/worker.ts";
import { IrcCommandSender } from "../../lib/ircCommandSender.ts";
import { findServer } from "../../lib/servers.ts";

const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

interface Setup extends ServerFixture {
  /** Starts an app process; every one still running is killed at the end. */
  app(options?: AppProcessOptions): Promise<AppProcess>;
}

/** Makes the app's socket folder under the project's tmp/: the app may read and write there (`deno task start`). */
async function appSocketDir(): Promise<string> {
  await Deno.mkdir(`${root}/tmp`, { recursive: true });
  const socketDir = await Deno.makeTempDir({ dir: `${root}/tmp`, prefix: "app-sockets-" });
  await Deno.chmod(socketDir, 0o700);
  return socketDir;
}

async function withApps(fn: (t: Setup) => Promise<void>): Promise<void> {
  const options = { server: { autoconnect: true }, socketDir: appSocketDir };
  await withServerFixture(options, async (fixture) => {
    const { database, socketDir, server } = fixture;
    const apps: AppProcess[] = [];
    try {
      await fn({
        ...fixture,
        async app(options?: AppProcessOptions) {
          const app = await startAppProcess(database.url, socketDir, options);
          apps.push(app);
          return app;
        },
      });
    } catch (error) {
      apps.forEach((app, i) => console.error(`--- app ${i} ---\n${app.log()}`));
      throw error;
    } finally {
      for (const app of apps) {
        try {
          app.child.kill("SIGKILL");
        } catch { /* exited */ }
        await app.exited;
      }
      // Whatever worker a failed test left: its quit ends it.
      const row = await findServer(database.db, server.id);
      if (row?.pid && await processAlive(row.pid)) {
        await new IrcCommandSender(row).quit().catch(() => {});
      }
    }
  });
}

function socketFiles(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((entry) => entry.name);
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(`app: ${signal} quits every worker, leaves no process or socket, and the next start reconnects`, async () => {
    await withApps(async ({ database, irc, socketDir, server, app }) => {
      const first = await app();
      const row = await waitForStatus(database.db, server.id, "connected", 20_000);
      assert(row.pid !== null && await processAlive(row.pid));
      assertEquals(socketFiles(socketDir), [`server-${server.id}.sock`]);

      first.child.kill(signal);
      assertEquals((await first.exited).code, 0);
      await irc.waitForLine(/^QUIT/);
      assertEquals(await processAlive(row.pid), false, "no worker process remains");
      assertEquals(socketFiles(socketDir), [], "no socket remains");
      const after = await findServer(database.db, server.id);
      assertEquals([after?.status, after?.pid, after?.socket_path, after?.autoconnect], [
        "disconnected",
        null,
        null,
        true,
      ]);

      // Connected when the app stopped, so connected again when it starts.
      const second = await app();
      const again = await waitForStatus(database.db, server.id, "connected", 20_000);
      assert(again.pid !== row.pid && await processAlive(again.pid!));
      second.child.kill(signal);
      assertEquals((await second.exited).code, 0);
      assertEquals(await processAlive(again.pid!), false);
      assertEquals(socketFiles(socketDir), []);
    });
  });
}

Deno.test("app: killed outright, its worker notices, quits IRC and clears its row; the next start reconnects once", async () => {
  await withApps(async ({ database, irc, server, app }) => {
    const first = await app();
    const row = await waitForStatus(database.db, server.id, "connected", 20_000);
    first.child.kill("SIGKILL");
    await first.exited;
    // Nothing signals the worker: it finds its parent gone by itself.
    await irc.waitForLine(/^QUIT/, 10_000);
    await waitFor(async () => !await processAlive(row.pid!), 10_000, "the worker to exit");
    const after = await findServer(database.db, server.id);
    assertEquals([after?.pid, after?.socket_path, after?.autoconnect], [null, null, true]);

    const second = await app();
    const again = await waitForStatus(database.db, server.id, "connected", 20_000);
    await new Promise((r) => setTimeout(r, 1000));
    assertEquals(irc.clients.length, 1, "one connection to IRC");
    assert(await processAlive(again.pid!));
    second.child.kill("SIGTERM");
    assertEquals((await second.exited).code, 0);
    assertEquals(await processAlive(again.pid!), false);
  });
});

// What systemd, Docker and process managers do: signal the process they
// started, which is `deno task start`, not `main.ts`.
for (const signal of ["SIGTERM", "SIGKILL"] as const) {
  Deno.test(`app: ${signal} to \`deno task start\` itself stops main.ts and its workers`, async () => {
    await withApps(async ({ database, irc, socketDir, server, app }) => {
      const task = await app({ viaTask: true });
      const row = await waitForStatus(database.db, server.id, "connected", 20_000);
      const [main] = await childPids(task.child.pid);
      assert(main !== undefined && await processAlive(main), "main.ts runs under the task");

      try {
        task.child.kill(signal);
        await task.exited;
        await irc.waitForLine(/^QUIT/, 15_000);
        await waitFor(async () => !await processAlive(main), 15_000, "main.ts to exit");
        assertEquals(await processAlive(row.pid!), false, "no worker process remains");
        assertEquals(socketFiles(socketDir), [], "no socket remains");
        const after = await findServer(database.db, server.id);
        assertEquals([after?.pid, after?.socket_path, after?.autoconnect], [null, null, true]);
      } finally {
        // Left running by a failure, it would hold the test database open.
        if (await processAlive(main)) await killProcess(main);
      }
    });
  });
}

Deno.test("app: two instances on one database run one worker per server", async () => {
  await withApps(async ({ database, irc, socketDir, server, app }) => {
    const [one, two] = await Promise.all([app(), app()]);
    const row = await waitForStatus(database.db, server.id, "connected", 20_000);
    await new Promise((r) => setTimeout(r, 2000));
    assertEquals(irc.lines.filter((line) => line.startsWith("USER ")).length, 1, "one registration");
    assertEquals(irc.clients.length, 1);
    for (const instance of [one, two]) instance.child.kill("SIGTERM");
    for (const instance of [one, two]) assertEquals((await instance.exited).code, 0);
    assertEquals(await processAlive(row.pid!), false);
    assertEquals(socketFiles(socketDir), []);
  });
});

Deno.test("app: a port already in use stops the start before any worker connects, and leaves nothing running", async () => {
  await withApps(async ({ database, irc, socketDir, server }) => {
    const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const port = (taken.addr as Deno.NetAddr).port;
      const failed = await startAppProcess(database.url, socketDir, { port }).then(
        () => undefined,
        (error: Error) => error.message,
      );
      assert(failed !== undefined, "the app did not start");
      assert(/in use/i.test(failed), failed);
      await new Promise((r) => setTimeout(r, 1000));
      assertEquals(irc.clients.length, 0, "no worker connected to IRC");
      const row = await findServer(database.db, server.id);
      assertEquals([row?.pid, row?.socket_path], [null, null]);
    } finally {
      taken.close();
    }
  });
});
