import { assertEquals, assertMatch } from "../../support/assert.ts";
import { startEmbeddedPostgres } from "../../../lib/db/embeddedPostgres.ts";

const SCRIPT = new URL(import.meta.url).pathname;
const CONFIG = new URL("../../../deno.json", import.meta.url).pathname;

Deno.test("embedded PostgreSQL: stopping one that is already gone (a Ctrl-C reached it first) returns", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ircweb-pg-gone-" });
  try {
    // In a process of its own: the cluster needs more permissions than the tests have.
    const { stdout } = await new Deno.Command(Deno.execPath(), {
      args: ["run", `--config=${CONFIG}`, "--allow-all", SCRIPT, dir],
      stdin: "null",
      stderr: "inherit",
    }).output();
    assertEquals(new TextDecoder().decode(stdout).trim().split("\n").at(-1), "stopped");
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("embedded PostgreSQL: a start it refuses says why, in PostgreSQL's words", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ircweb-pg-bad-" });
  try {
    const { stdout } = await new Deno.Command(Deno.execPath(), {
      args: ["run", `--config=${CONFIG}`, "--allow-all", SCRIPT, dir, "bad-folder"],
      stdin: "null",
      stderr: "inherit",
    }).output();
    const said = new TextDecoder().decode(stdout).trim().split("\n").at(-1) ?? "";
    assertMatch(
      said,
      /^The embedded PostgreSQL could not start \(in .*\): .*invalid permissions/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

// The child: starts a cluster in the folder it is given, stops PostgreSQL
// behind the module's back as Ctrl-C would, then says whether stop() returns.
// With "bad-folder": stops it cleanly, opens its data folder to everyone
// (which PostgreSQL refuses), and says what a new start answers.
if (import.meta.main && Deno.args[1] === "bad-folder") {
  const dir = Deno.args[0];
  await (await startEmbeddedPostgres(dir, 5)).stop();
  // A data folder others may write to: PostgreSQL refuses it.
  await Deno.chmod(`${dir}/postgres`, 0o777);
  const answer = await startEmbeddedPostgres(dir, 5).then(() => "started", (error: Error) => error.message);
  console.log(answer);
  Deno.exit(0);
} else if (import.meta.main) {
  const dir = Deno.args[0];
  const cluster = await startEmbeddedPostgres(dir, 5);
  const pid = Number((await Deno.readTextFile(`${dir}/postgres/postmaster.pid`)).split("\n")[0]);
  Deno.kill(pid, "SIGINT");
  for (let i = 0; i < 300; i++) {
    try {
      await Deno.stat(`${dir}/postgres/postmaster.pid`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } catch {
      break;
    }
  }
  const outcome = await Promise.race([
    cluster.stop().then(() => "stopped"),
    new Promise<string>((resolve) => setTimeout(() => resolve("hung"), 5000)),
  ]);
  console.log(outcome);
  Deno.exit(0);
}
