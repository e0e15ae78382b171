import { assert, assertEquals, waitFor } from "../support/assert.ts";
import { taskRunArgs } from "../support/appProcess.ts";

const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** The `dev` task's arguments, made absolute so they run from another folder. */
async function devArgs(): Promise<string[]> {
  return [
    "run",
    `--config=${root}/deno.json`,
    // Run from another folder, the project's files are still where `.` was.
    ...(await taskRunArgs("dev")).slice(1).map((w) =>
      w === "main.ts" ? `${root}/main.ts` : w.startsWith("--allow-read=") ? `${w},${root}` : w
    ),
  ];
}

Deno.test({
  name: "deno task dev starts from an empty .data/, as root too, answers on its port, and stops cleanly",
  // Starting PostgreSQL from scratch takes a few seconds.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const cwd = await Deno.makeTempDir({ prefix: "ircweb-dev-" });
    // As root, PostgreSQL runs as `postgres` and must reach .data/ inside.
    await Deno.chmod(cwd, 0o711);
    const child = new Deno.Command(Deno.execPath(), {
      args: await devArgs(),
      cwd,
      env: { PORT: "0", DATABASE_URL: "", LOG_LEVEL: "info" },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let log = "";
    const decoder = new TextDecoder();
    const drain = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) log += decoder.decode(chunk, { stream: true });
    };
    const reading = Promise.all([drain(child.stdout), drain(child.stderr)]);
    try {
      const port = await waitFor(
        () => log.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/)?.[1],
        60_000,
        "listening",
      );
      assert(log.includes("initialising a new database"), "a new database was made");
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      assertEquals(await response.json(), { ok: true });
      const data = await Deno.stat(`${cwd}/.data/postgres/PG_VERSION`);
      assert(data.isFile);
      // The app stops its database on SIGTERM; the file watcher of `dev`
      // itself stays to restart on the next change, so it is killed after.
      child.kill("SIGTERM");
      await waitFor(() => log.includes("embedded PostgreSQL stopped"), 20_000, "the database to stop")
        .catch((error) => {
          throw new Error(`${error.message}; the app said:\n${log}`);
        });
      await Deno.stat(`${cwd}/.data/postgres/postmaster.pid`).then(
        () => assert(false, "PostgreSQL still running"),
        () => {},
      );
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* exited */ }
      await reading;
      await Deno.remove(cwd, { recursive: true });
    }
  },
});
