/**
 * The web app: opens the database (embedded unless `DATABASE_URL` is set),
 * applies migrations, serves HTTP, and stops everything cleanly on SIGINT
 * or SIGTERM.
 *
 * @module
 */
import { loadConfig } from "./lib/config.ts";
import { openDatabase } from "./lib/db/database.ts";
import { errorMessage, logger, setLogLevel } from "./lib/log.ts";
import { createApp } from "./routes/app.ts";

const log = logger("app");

async function main(): Promise<void> {
  const config = loadConfig();
  setLogLevel(config.logLevel);
  await Deno.mkdir(config.socketDir, { recursive: true, mode: 0o700 });
  await Deno.chmod(config.socketDir, 0o700);
  const database = await openDatabase(config.databaseUrl);

  const app = createApp({ db: database.db, config });

  const server = Deno.serve({
    hostname: config.host,
    port: config.port,
    onListen: ({ hostname, port }) => log.info(`listening on http://${hostname}:${port}`),
  }, app.fetch);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down");
    await server.shutdown().catch(() => {});
    await database.close().catch((e) => log.error(errorMessage(e)));
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    log.error(errorMessage(error));
    Deno.exit(1);
  }
}
