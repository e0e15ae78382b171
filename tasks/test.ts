/**
 * `deno task test`: starts a PostgreSQL cluster for the tests (embedded, in
 * `tmp/test-db/`, or the one `TEST_DATABASE_URL` names), runs `deno test`
 * with scoped permissions, and stops the cluster again.
 *
 * Arguments are passed on to `deno test` (a file or `--filter`).
 *
 * @module
 */
import { startEmbeddedPostgres } from "../lib/db/embeddedPostgres.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const external = Deno.env.get("TEST_DATABASE_URL");
const cluster = external ? undefined : await startEmbeddedPostgres(`${root}/tmp/test-db`);
const url = external ?? cluster!.url;

const chromium = "/usr/bin/chromium";
const permissions = [
  // Tests connect to ephemeral loopback ports and to worker sockets whose
  // paths hold database ids, which no exact `unix:` list can name ahead.
  "--allow-net",
  // playwright-core checks the browser binary exists before running it.
  `--allow-read=${root},/tmp,${Deno.execPath()},${chromium}`,
  `--allow-write=${root}/tmp,/tmp`,
  // id, getent, useradd, userdel, groupadd, groupdel: the embedded database's system user (tests/lib/db/).
  // InspIRCd, Anope and openssl (its certificates): the SASL tests' network (tests/support/inspircd.ts).
  // ZNC: the bouncer playback test (tests/support/znc.ts).
  `--allow-run=${Deno.execPath()},ngircd,${chromium},id,getent,useradd,userdel,groupadd,groupdel,` +
  "/usr/sbin/inspircd,/usr/sbin/anope,openssl,/usr/bin/znc",
  "--allow-env",
  // playwright-core reads the home folder and the OS release when it loads.
  "--allow-sys=homedir,osRelease",
];
const args = ["test", "--no-prompt", ...permissions, ...(Deno.args.length ? Deno.args : ["tests/"])];
const child = new Deno.Command(Deno.execPath(), {
  args,
  cwd: root,
  // The tests' IRC servers listen on loopback, which workers may reach
  // only when the operator allows it (lib/ircTargets.ts).
  env: {
    TEST_DATABASE_URL: url,
    ALLOWED_IRC_TARGETS: Deno.env.get("ALLOWED_IRC_TARGETS") ?? "127.0.0.0/8,::1",
  },
  stdin: "null",
}).spawn();
const forward = () => {
  try {
    child.kill("SIGTERM");
  } catch { /* gone */ }
};
Deno.addSignalListener("SIGINT", forward);
Deno.addSignalListener("SIGTERM", forward);
const { code } = await child.status;
await cluster?.stop();
Deno.exit(code);
