/**
 * The web app: opens the database (embedded unless `DATABASE_URL` is set),
 * applies migrations, serves HTTP, and stops everything cleanly on SIGINT
 * or SIGTERM.
 *
 * @module
 */
import { loadConfig } from "./lib/config.ts";
import { openDatabase } from "./lib/db/database.ts";
import { ServiceBus } from "./lib/serviceBus.ts";
import { WorkerConnectionPool } from "./lib/ircCommandSender.ts";
import { errorMessage, logger, setLogLevel } from "./lib/log.ts";
import { Supervisor } from "./lib/supervisor/supervisor.ts";
import { startWorkerBundle, type WorkerBundle } from "./lib/supervisor/workerBundle.ts";
import { createApp } from "./routes/app.ts";
import { startingResponse } from "./routes/health.ts";
import { AssetStore } from "./lib/assets.ts";
import { watchParent } from "./lib/parentWatch.ts";
import { Retention } from "./lib/retention.ts";
import { deriveInstanceId, type InstanceInfo } from "./lib/cluster/instances.ts";
import { PeerClient, readPeerKey } from "./lib/cluster/instanceRpc.ts";
import { CommandRouter } from "./lib/cluster/commandRouter.ts";
import { Placement } from "./lib/cluster/placement.ts";
import { EventFeed } from "./lib/events/eventFeed.ts";
import { PushSender } from "./lib/push/pushSender.ts";
import { SearchIndexer } from "./lib/search/indexer.ts";

const log = logger("app");

async function main(): Promise<void> {
  const config = loadConfig();
  setLogLevel(config.logLevel);

  // What has been started, stopped in reverse by `stop`: a failed or
  // interrupted start must not leave workers on IRC or the cluster running.
  let database: Awaited<ReturnType<typeof openDatabase>> | undefined;
  let bus: ServiceBus | undefined;
  let supervisor: Supervisor | undefined;
  let workerBundle: WorkerBundle | undefined;
  let server: Deno.HttpServer | undefined;
  let workerConnections: WorkerConnectionPool | undefined;
  let retention: Retention | undefined;
  let placement: Placement | undefined;
  let pushSender: PushSender | undefined;
  let searchIndexer: SearchIndexer | undefined;
  let started = false;
  let stopRequested = false;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down");
    // Out of the placement first, so the other instances take each network
    // up as soon as its worker has quit here and its lease is given up.
    await placement?.stop().catch((e) => log.error(errorMessage(e)));
    // Workers first: they need the database to clear their rows.
    await supervisor?.stop().catch((e) => log.error(errorMessage(e)));
    await workerBundle?.close();
    // Open event streams may hold a graceful shutdown up: bound it.
    if (server) {
      await Promise.race([
        server.shutdown().catch(() => {}),
        new Promise((r) => setTimeout(r, 5000)),
      ]);
    }
    workerConnections?.close();
    pushSender?.close();
    await retention?.stop().catch((e) => log.error(errorMessage(e)));
    await searchIndexer?.stop().catch((e) => log.error(errorMessage(e)));
    await bus?.close().catch(() => {});
    await database?.close().catch((e) => log.error(errorMessage(e)));
    Deno.exit(code);
  };
  const onSignal = () => {
    if (stopping || stopRequested) {
      // A second Ctrl-C: whatever holds the clean stop up, the operator wants out.
      log.warn("stopping at once");
      Deno.exit(1);
    }
    // During the start, once what is under way is done (see below).
    if (!started) {
      stopRequested = true;
      log.info("stopping once started");
      return;
    }
    void stop(0);
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) Deno.addSignalListener(signal, onSignal);
  // `deno task start` killed outright (or not passing SIGTERM on) leaves the
  // app without its parent: that is a stop too.
  watchParent(() => {
    log.warn("the process that started the app is gone: stopping");
    onSignal();
  });

  try {
    await Deno.mkdir(config.socketDir, { recursive: true, mode: 0o700 });
    await Deno.chmod(config.socketDir, 0o700);
    // The islands bundle and the stylesheet, built first: a broken build stops the app
    // before it starts anything. `deno task dev` passes --dev to rebuild them on change.
    const assets = await AssetStore.build();
    if (Deno.args.includes("--dev")) assets.watch();
    // Workers run from one minified bundle of their code once it is built in the background
    // (lib/supervisor/workerBundle.ts); `deno task dev` keeps them on source, for the edit loop.
    if (!Deno.args.includes("--dev")) workerBundle = startWorkerBundle();
    // The port is taken before anything is started that a taken port would
    // leave running; requests wait for the app (503) until it is ready.
    let handler: Deno.ServeHandler = (request) => startingResponse(request);
    server = Deno.serve(
      { hostname: config.host, port: config.port, onListen: () => {} },
      (request, info) => handler(request, info),
    );
    database = await openDatabase(config.databaseUrl);
    // Status writes (lib/servers.ts) and the event stream publish and listen here.
    bus = new ServiceBus({
      url: database.url,
      db: database.db,
      applicationName: "ircweb-app-bus",
      processBus: true,
    });
    // This instance among those on the database (docs/architecture.md, "Several app instances").
    const { hostname: boundHost, port: boundPort } = server.addr as Deno.NetAddr;
    const instance: InstanceInfo = {
      id: config.instanceId ?? deriveInstanceId(boundPort),
      url: config.instanceUrl ?? `http://${urlHost(boundHost)}:${boundPort}`,
      weight: config.instanceWeight,
      maxWorkers: config.maxWorkers,
    };
    const peerKey = await readPeerKey(database.db);
    const commandRouter = new CommandRouter({
      db: database.db,
      me: instance.id,
      client: new PeerClient(peerKey, instance.id),
      isLocal: (id) => supervisor?.isRunning(id) ?? false,
    });
    supervisor = await Supervisor.start({
      instanceId: instance.id,
      disconnectElsewhere: (id, message) => commandRouter.disconnect(id, message),
      resume: false,
      db: database.db,
      databaseUrl: database.url,
      socketDir: config.socketDir,
      logLevel: config.logLevel,
      maxWorkers: config.maxWorkers,
      maxServersPerUser: config.maxServersPerUser,
      workerMemoryMb: config.workerMemoryMb,
      bus,
    });
    workerConnections = new WorkerConnectionPool();
    // One feed for the live streams and the push sender, which asks it whose streams are open.
    const feed = new EventFeed(database.db, bus);
    // Web Push: the VAPID keys are made here on the first start.
    pushSender = await PushSender.start({
      db: database.db,
      feed,
      bus,
      subject: vapidSubject(config.publicUrl),
    });
    const app = createApp({
      db: database.db,
      config,
      supervisor,
      bus,
      feed,
      assets,
      workerConnections,
      commandRouter,
      peerKey,
    });
    handler = app.fetch;
    const { hostname, port } = server.addr as Deno.NetAddr;
    log.info(`listening on http://${hostname}:${port} (ready in ${(performance.now() / 1000).toFixed(1)} s)`);
    // Connects the servers marked autoconnect and ends what an earlier run
    // left, while requests are already answered.
    await supervisor.resume();
    // From here on the placement decides which networks run here.
    placement = await Placement.start({
      db: database.db,
      supervisor,
      instance,
      intervalMs: config.placementIntervalMs,
      log: logger("placement"),
    });
    log.info(`instance ${instance.id} at ${instance.url}`);
    // RETENTION_DAYS and MAX_MESSAGES_PER_SERVER, in small batches on an interval.
    if (config.retentionDays !== undefined || config.maxMessagesPerServer !== undefined) {
      retention = Retention.start(database.db, config);
    }
    // Search vectors of what the workers store, off their insert path.
    searchIndexer = SearchIndexer.start(database.db);
    started = true;
  } catch (error) {
    log.error(errorMessage(error));
    await stop(1);
    return;
  }
  if (stopRequested) await stop(0);
}

// The VAPID subject push services may reach the operator at: the app's https address, else a placeholder.
function vapidSubject(publicUrl: string | undefined): string {
  return publicUrl?.startsWith("https:") ? publicUrl : "mailto:ircweb@localhost.invalid";
}

// A host as it goes in a URL; a wildcard bind is reached on loopback.
function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    log.error(errorMessage(error));
    Deno.exit(1);
  }
}
