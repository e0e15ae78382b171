/**
 * What a worker can hear of the bus: any login may `LISTEN` to any
 * PostgreSQL channel, so a server's events travel on a channel only the app
 * can name (lib/events/busChannels.ts). On a real PostgreSQL, with real
 * worker roles, and app buses that still hear every server.
 */
import pg from "pg";
import { sql } from "kysely";
import { assert, assertEquals, assertRejects, assertThrows, waitFor } from "../../support/assert.ts";
import { createTestDatabase, type TestDatabase } from "../../support/database.ts";
import { createServer, makeSocketDir } from "../../support/worker.ts";
import { createDb } from "../../../lib/db/database.ts";
import { provisionWorkerRole, type WorkerCredentials } from "../../../lib/db/workerRoles.ts";
import {
  isServerPgChannel,
  messagesChannel,
  readBusKey,
  serverPgChannel,
  statusChannel,
} from "../../../lib/events/busChannels.ts";
import { messagesPayload } from "../../../lib/events/wireFormat.ts";
import { insertMessagesNotifying } from "../../../lib/messages.ts";
import { PG_CHANNEL, ServiceBus } from "../../../lib/serviceBus.ts";
import {
  WORKER_BUS_CHANNEL_ENV,
  WORKER_EXIT_START_FAILED,
  workerArgs,
  workerEnv,
  workerLaunchCommand,
} from "../../../lib/supervisor/workerLaunch.ts";

function loginUrl(url: string, login: WorkerCredentials): string {
  const parsed = new URL(url);
  parsed.username = login.user;
  parsed.password = login.password;
  return parsed.href;
}

// A second app instance: a pool of its own and its own bus on the same database.
async function withTwoApps(
  fn: (t: { database: TestDatabase; a: ServiceBus; b: ServiceBus }) => Promise<void>,
): Promise<void> {
  const database = await createTestDatabase();
  const otherDb = createDb(database.url, { maxConnections: 2 });
  const a = new ServiceBus({ url: database.url, db: database.db, applicationName: "app-a" });
  const b = new ServiceBus({ url: database.url, db: otherDb, applicationName: "app-b" });
  try {
    await fn({ database, a, b });
  } finally {
    await a.close();
    await b.close();
    await otherDb.destroy();
    await database.drop();
  }
}

// Buses of one process also hear each other through a BroadcastChannel:
// what should come through PostgreSQL is sent from a connection of its own,
// on the wire as lib/serviceBus.ts writes it.
let counter = 0;
async function notifyFrom(
  client: pg.Client,
  pgChannel: string,
  channel: string,
  data: unknown,
): Promise<void> {
  await client.query("select pg_notify($1, $2)", [
    pgChannel,
    `${channel}\tother\t${++counter}\t\n${JSON.stringify(data)}`,
  ]);
}

// Waits until `to` has heard `marker`, notified on ircweb_bus from a
// connection of its own after everything before it (PostgreSQL delivers
// notifications in commit order), then until the LISTENs and UNLISTENs
// that what came before asked for are done.
async function settle(url: string, to: ServiceBus, marker: string): Promise<void> {
  let heard = false;
  const stop = to.subscribe("privacy_marker", (data) => {
    if (data === marker) heard = true;
  });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await to.ready();
    await notifyFrom(client, PG_CHANNEL, "privacy_marker", marker);
    await waitFor(() => heard || undefined, 10_000, `the marker ${marker}`);
    await to.ready();
  } finally {
    stop();
    await client.end();
  }
}

Deno.test("bus privacy: a worker's login listening on ircweb_bus hears no server's messages or statuses", async () => {
  await withTwoApps(async ({ database, a, b }) => {
    const own = await createServer(database.db, { port: 6667 });
    const other = await createServer(database.db, { port: 6668, name: "other" });
    const worker = new pg.Client({
      connectionString: loginUrl(database.url, await provisionWorkerRole(database.db, own.id)),
    });
    await worker.connect();
    const overheard: string[] = [];
    worker.on("notification", (n) => overheard.push(`${n.channel} ${n.payload}`));
    try {
      await worker.query(`LISTEN ${PG_CHANNEL}`);
      // The key that names the channels is not the worker's to read.
      await assertRejects(() => worker.query("select value from app_secrets"), Error, "permission denied");
      // Where the app listens for `other` (B is another instance of it).
      const app = new pg.Client({ connectionString: database.url });
      await app.connect();
      const heardByB: string[] = [];
      app.on(
        "notification",
        (n) => heardByB.push(n.payload!.split("\n")[0].split("\t")[0] + " " + n.payload),
      );
      await app.query(`LISTEN ${await b.workerChannel(other.id)}`);

      // The app publishes another server's status and messages, small and too big to go inline.
      await a.publish(statusChannel(other.id), {
        server_id: other.id,
        status: "error",
        error: "secret status",
      });
      await a.publish(messagesChannel(other.id), {
        server_id: other.id,
        seq: 1,
        messages: [{ content: "secret words" }],
      });
      await a.publish(messagesChannel(other.id), {
        server_id: other.id,
        seq: 2,
        messages: [{ content: `secret ${"x".repeat(9000)}` }],
      });
      // ...and a batch stored with its notification in one statement, as a worker does.
      const inline = a.inlineNotification(messagesChannel(other.id));
      const batch = await insertMessagesNotifying(
        database.db,
        other.id,
        [
          { target: "#x", sender: "bob", content: "secret batch", message_type: "privmsg" },
        ],
        "b1",
        inline,
      );
      assertEquals(JSON.parse(batch.payload), messagesPayload(other.id, batch.stored));
      // A server created meanwhile is announced on ircweb_bus: by its id only.
      const created = await createServer(database.db, { port: 6669, name: "new" });

      await waitFor(() => heardByB.length === 4 || undefined, 10_000, "the app to hear all four");
      await app.end();
      assertEquals(heardByB.map((n) => n.split(" ")[0]), [
        statusChannel(other.id),
        messagesChannel(other.id),
        messagesChannel(other.id),
        messagesChannel(other.id),
      ], "all four on the server's own channel");
      assert(
        heardByB[0].includes("secret status") && heardByB[3].includes("secret batch"),
        heardByB.join("\n"),
      );

      // The worker hears what follows a marker only after all that came before.
      await worker.query("select pg_notify($1, $2)", [PG_CHANNEL, "marker"]);
      await waitFor(() => overheard.some((n) => n.endsWith(" marker")) || undefined, 10_000, "the marker");
      const secrets = overheard.filter((n) => /secret|server_[0-9]+_/.test(n));
      assertEquals(secrets, [], "nothing of a server's events on ircweb_bus");
      assertEquals(overheard, [
        `${PG_CHANNEL} bus_servers\tdb\tc${created.id}\t\n{"server_created" : ${created.id}}`,
        `${PG_CHANNEL} marker`,
      ]);
    } finally {
      await worker.end();
    }
  });
});

Deno.test("bus privacy: a worker's bus publishes its own server's channels only, and listens to none", async () => {
  await withTwoApps(async ({ database, a }) => {
    const own = await createServer(database.db, { port: 6667 });
    const other = await createServer(database.db, { port: 6668, name: "other" });
    const url = loginUrl(database.url, await provisionWorkerRole(database.db, own.id));
    const workerDb = createDb(url, { maxConnections: 1 });
    const pgChannel = await a.workerChannel(own.id);
    assertEquals(pgChannel, serverPgChannel(await readBusKey(database.db), own.id));
    assert(isServerPgChannel(pgChannel, own.id) && !isServerPgChannel(pgChannel, other.id), pgChannel);
    assert(pgChannel.length <= 63, "a PostgreSQL name");
    const bus = new ServiceBus({ url, db: workerDb, worker: { serverId: own.id, pgChannel } });
    try {
      const heard: unknown[] = [];
      a.subscribe(statusChannel(own.id), (data) => heard.push(data));
      await a.ready();
      await bus.ready();
      await bus.publish(statusChannel(own.id), { server_id: own.id, status: "connected" });
      await waitFor(() => heard.length === 1 || undefined, 10_000, "the app to hear the worker");
      assertEquals(heard, [{ server_id: own.id, status: "connected" }]);

      await assertRejects(() => bus.publish(statusChannel(other.id), {}), Error, `server_${own.id}_*`);
      await assertRejects(() => bus.publish("api_token_deleted", {}), Error, `server_${own.id}_*`);
      assertThrows(() => bus.inlineNotification(messagesChannel(other.id)), Error, `server_${own.id}_*`);
      assertThrows(() => bus.subscribe(statusChannel(own.id), () => {}), Error, "listens to nothing");
      assertThrows(() => bus.subscribePrefix("server_", () => {}), Error, "listens to nothing");
      await assertRejects(() => bus.workerChannel(other.id), Error);
      // A worker's own login cannot work the name out by itself.
      const unnamed = new ServiceBus({ url, db: workerDb, worker: { serverId: own.id } });
      try {
        await assertRejects(() => unnamed.ready(), Error, "could not read its key");
      } finally {
        await unnamed.close();
      }
      assertThrows(
        () => new ServiceBus({ url, db: workerDb, worker: { serverId: own.id, pgChannel: PG_CHANNEL } }),
        Error,
        "Not a bus channel",
      );
    } finally {
      await bus.close();
      await workerDb.destroy();
    }
  });
});

Deno.test("bus privacy: a server created while streaming is heard live on another app instance; a deleted one no more", async () => {
  await withTwoApps(async ({ database, a, b }) => {
    const heard: string[] = [];
    b.subscribePrefix<{ status: string }>(
      "server_",
      (channel, data) => heard.push(`${channel} ${data.status}`),
    );
    await b.ready();
    // Created on instance A (its supervisor names the worker's channel before spawning it).
    const server = await createServer(database.db, { port: 6667 });
    const pgChannel = await a.workerChannel(server.id);
    await settle(database.url, b, "created");
    // The worker, with its own login and the one name it was told.
    const worker = new pg.Client({
      connectionString: loginUrl(database.url, await provisionWorkerRole(database.db, server.id)),
    });
    await worker.connect();
    try {
      await notifyFrom(worker, pgChannel, statusChannel(server.id), {
        server_id: server.id,
        status: "connecting",
      });
      await notifyFrom(worker, pgChannel, statusChannel(server.id), {
        server_id: server.id,
        status: "connected",
      });
      await waitFor(() => heard.length === 2 || undefined, 10_000, "both statuses on B");
      assertEquals(heard, [
        `${statusChannel(server.id)} connecting`,
        `${statusChannel(server.id)} connected`,
      ]);

      await database.db.deleteFrom("servers").where("id", "=", server.id).execute();
      await settle(database.url, b, "deleted");
      await notifyFrom(worker, pgChannel, statusChannel(server.id), {
        server_id: server.id,
        status: "error",
      });
      await settle(database.url, b, "after");
      assertEquals(heard.length, 2, "B no longer listens to a deleted server's channel");
    } finally {
      await worker.end();
    }
  });
});

Deno.test("bus privacy: after its connection drops, the listener listens again on every server's channel", async () => {
  await withTwoApps(async ({ database, b }) => {
    const before = [
      await createServer(database.db, { port: 6667 }),
      await createServer(database.db, { port: 6668, name: "two" }),
    ];
    let resyncs = 0;
    b.onResync(() => resyncs++);
    const heard: number[] = [];
    b.subscribePrefix<{ server_id: number }>("server_", (_, data) => heard.push(data.server_id));
    await b.ready();
    // One created while it listens, one while it is away.
    const during = await createServer(database.db, { port: 6669, name: "three" });
    await settle(database.url, b, "during");
    await sql`select pg_terminate_backend(pid) from pg_stat_activity
      where application_name = 'app-b' and datname = current_database()`.execute(database.db);
    const away = await createServer(database.db, { port: 6670, name: "four" });
    await waitFor(() => resyncs === 2 || undefined, 10_000, "the listener to come back");
    await b.ready();
    const ids = [...before, during, away].map((s) => s.id);
    const app = new pg.Client({ connectionString: database.url });
    await app.connect();
    try {
      const key = await readBusKey(database.db);
      for (const id of ids) {
        await notifyFrom(app, serverPgChannel(key, id), statusChannel(id), {
          server_id: id,
          status: "connected",
        });
      }
      await waitFor(() => heard.length === ids.length || undefined, 10_000, "every server's status");
      assertEquals(heard, ids);
    } finally {
      await app.end();
    }
  });
});

Deno.test("bus privacy: a worker is started knowing its server's channel, and may read it", () => {
  const spec = {
    serverId: 5,
    ircHost: "irc.example.org",
    ircPort: 6697,
    databaseUrl: "postgres://db/ircweb",
    socketDir: "/tmp/s",
    busChannel: "ircweb_s5_0123456789abcdef0123456789abcdef",
  };
  assertEquals(workerEnv(spec, () => undefined)[WORKER_BUS_CHANNEL_ENV], spec.busChannel);
  const allowEnv = workerArgs(spec, () => undefined).find((a) => a.startsWith("--allow-env="));
  assert(allowEnv?.split("=")[1].split(",").includes(WORKER_BUS_CHANNEL_ENV), allowEnv);
});

Deno.test("bus privacy: a worker on its own login that was not told its channel stops at start, saying why", async () => {
  const database = await createTestDatabase();
  const socketDir = await makeSocketDir();
  try {
    const server = await createServer(database.db, { port: 6667 });
    const child = workerLaunchCommand({
      serverId: server.id,
      ircHost: "127.0.0.1",
      ircPort: 6667,
      databaseUrl: database.url,
      databaseLogin: await provisionWorkerRole(database.db, server.id),
      socketDir,
    }, { stdout: "null", stderr: "piped" }).spawn();
    const [status, stderr] = await Promise.all([child.status, new Response(child.stderr).text()]);
    assertEquals(status.code, WORKER_EXIT_START_FAILED, stderr);
    assert(stderr.includes("could not read its key"), stderr);
  } finally {
    await Deno.remove(socketDir, { recursive: true });
    await database.drop();
  }
});
