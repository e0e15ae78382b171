/**
 * The app process and its workers: started with the flags of `deno task
 * start`, stopped with SIGTERM or SIGINT (no worker process and no socket may
 * remain), killed outright (the next start ends the left-over worker rather
 * than running a second one), and two instances on one database.
 */
import { assert, assertEquals, waitFor } from "../support/assert.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { type FakeIrcServer, startFakeIrcServer } from "../support/fakeIrcServer.ts";
import { processAlive } from "../support/process.ts";
import { createServer, waitForStatus } from "../support/worker.ts";
import { IrcCommandSender } from "../../lib/ircCommandSender.ts";
import { findServer } from "../../lib/servers.ts";
import type { Server } from "../../lib/db/schema.ts";

const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** The `deno run` arguments of `deno task start`. */
async function startTaskArgs(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${root}/deno.json`)) as {
    tasks: Record<string, string>;
  };
  const words = config.tasks.start.split(/\s+/);
  assertEquals(words.slice(0, 2), ["deno", "run"]);
  return words.slice(1);
}

/** A running app process. */
interface AppProcess {
  child: Deno.ChildProcess;
  log(): string;
  /** Resolves with the exit status once it has exited and its output is read. */
  exited: Promise<Deno.CommandStatus>;
}

async function startApp(databaseUrl: string, socketDir: string): Promise<AppProcess> {
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    PORT: "0",
    HOST: "127.0.0.1",
    SOCKET_DIR: socketDir,
    LOG_LEVEL: "info",
  };
  for (const name of ["HOME", "PATH", "DENO_DIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: await startTaskArgs(),
    cwd: root,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const read = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  const reading = Promise.all([read(child.stdout), read(child.stderr)]);
  const exited = child.status.then(async (status) => {
    await reading;
    return status;
  });
  const app = { child, log: () => text, exited };
  await waitFor(() => /listening on http:\/\//.test(text) || undefined, 60_000, "the app to listen")
    .catch((error) => {
      throw new Error(`${error.message}; the app said:\n${text}`);
    });
  return app;
}

interface Setup {
  database: TestDatabase;
  irc: FakeIrcServer;
  socketDir: string;
  server: Server;
  /** Starts an app process; every one still running is killed at the end. */
  app(): Promise<AppProcess>;
}

async function withApps(fn: (t: Setup) => Promise<void>): Promise<void> {
  const database = await createTestDatabase();
  const irc = startFakeIrcServer();
  // Under the project's tmp/: the app may read and write there (`deno task start`).
  await Deno.mkdir(`${root}/tmp`, { recursive: true });
  const socketDir = await Deno.makeTempDir({ dir: `${root}/tmp`, prefix: "app-sockets-" });
  await Deno.chmod(socketDir, 0o700);
  const server = await createServer(database.db, { port: irc.port, autoconnect: true });
  const apps: AppProcess[] = [];
  try {
    await fn({
      database,
      irc,
      socketDir,
      server,
      async app() {
        const app = await startApp(database.url, socketDir);
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
    await irc.close();
    await database.drop();
    await Deno.remove(socketDir, { recursive: true });
  }
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

Deno.test("app: killed outright, the next start ends the left-over worker instead of doubling it", async () => {
  await withApps(async ({ database, irc, server, app }) => {
    const first = await app();
    const row = await waitForStatus(database.db, server.id, "connected", 20_000);
    first.child.kill("SIGKILL");
    await first.exited;
    // The worker lives on in its own process group, still on IRC.
    assert(await processAlive(row.pid!), "the worker outlived the app");
    assertEquals(irc.clients.length, 1);

    const second = await app();
    await irc.waitForLine(/^QUIT/, 20_000);
    const again = await waitFor(
      async () => {
        const current = await findServer(database.db, server.id);
        return current?.status === "connected" && current.pid !== row.pid ? current : undefined;
      },
      20_000,
      "a new worker",
    );
    await waitFor(async () => !await processAlive(row.pid!), 10_000, "the left-over to exit");
    await new Promise((r) => setTimeout(r, 1000));
    assertEquals(irc.clients.length, 1, "one connection to IRC");
    assert(await processAlive(again.pid!));
    second.child.kill("SIGTERM");
    assertEquals((await second.exited).code, 0);
    assertEquals(await processAlive(again.pid!), false);
  });
});

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
