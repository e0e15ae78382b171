/**
 * A PostgreSQL cluster of one test, in a temporary folder, that the test can
 * stop and start again on the same port: how the tests take the database
 * away from a worker.
 *
 * The test process may not run PostgreSQL's binaries itself (its
 * permissions allow only Deno, ngircd and chromium), so the cluster runs in
 * a Deno subprocess (this file as a script) that starts it with
 * `startEmbeddedPostgres`, prints its URL, and stops it on SIGTERM.
 *
 * @module
 */
import { startEmbeddedPostgres } from "../../lib/db/embeddedPostgres.ts";

/** A private cluster. */
export interface PrivatePostgres {
  /** Its admin URL (the same across restarts). */
  readonly url: string;
  /** Whether it runs now. */
  readonly running: boolean;
  /** Stops it (a fast shutdown: sessions are cut) and resolves once it is down. */
  stop(): Promise<void>;
  /** Starts it again and resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  close(): Promise<void>;
}

const SCRIPT = new URL(import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

/** Initialises and starts a cluster in a new temporary folder. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = await Deno.makeTempDir({ prefix: "ircweb-pg-" });
  let child: Deno.ChildProcess | undefined;
  let url = "";

  const start = async () => {
    const process = new Deno.Command(Deno.execPath(), {
      args: ["run", `--config=${CONFIG}`, "--allow-all", SCRIPT, dir],
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = process.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the private PostgreSQL did not start: ${text}`);
      text += value;
    }
    reader.releaseLock();
    url = (JSON.parse(text.slice(0, text.indexOf("\n"))) as { url: string }).url;
    child = process;
  };
  const stop = async () => {
    const process = child;
    child = undefined;
    if (!process) return;
    process.kill("SIGTERM");
    await process.status;
    await process.stdout.cancel().catch(() => {});
  };

  await start();
  return {
    get url() {
      return url;
    },
    get running() {
      return child !== undefined;
    },
    stop,
    start,
    async close() {
      await stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

if (import.meta.main) {
  const cluster = await startEmbeddedPostgres(Deno.args[0]);
  console.log(JSON.stringify({ url: cluster.url }));
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await cluster.stop();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}
