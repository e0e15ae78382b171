/**
 * The worker bundle: the supervisor's workers run from it (with the same
 * narrow flags), a changed source is never run from the old bundle, a build
 * that fails leaves workers on source, and builders at once share one file.
 */
import { assert, assertEquals, assertMatch, waitFor } from "../../support/assert.ts";
import { processArguments } from "../../support/process.ts";
import { withServerFixture } from "../../support/serverFixture.ts";
import { waitForStatus } from "../../support/worker.ts";
import { IrcCommandSender } from "../../../lib/ircCommandSender.ts";
import { findServer } from "../../../lib/servers.ts";
import { Supervisor } from "../../../lib/supervisor/supervisor.ts";
import { startWorkerBundle, WorkerBundle } from "../../../lib/supervisor/workerBundle.ts";
import { WORKER_ENTRY } from "../../../lib/supervisor/workerLaunch.ts";

/** A folder of a tiny module graph, `main.ts` importing `part.ts`, with a deno.json of its own. */
async function withGraph(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ircweb-bundle-" });
  try {
    await Deno.writeTextFile(`${dir}/deno.json`, "{}\n");
    await Deno.writeTextFile(`${dir}/main.ts`, 'import { word } from "./part.ts";\nconsole.log(word);\n');
    await writePart(dir, "one");
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function writePart(dir: string, word: string): Promise<void> {
  return Deno.writeTextFile(`${dir}/part.ts`, `export const word: string = ${JSON.stringify(word)};\n`);
}

function bundleOf(dir: string): WorkerBundle {
  return new WorkerBundle({
    entry: `${dir}/main.ts`,
    cacheDir: `${dir}/cache`,
    configFile: `${dir}/deno.json`,
  });
}

/** What a bundle prints when run with no permissions at all. */
async function run(path: string): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), { args: ["run", "--no-prompt", path], stdin: "null" })
    .output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim();
}

async function cacheFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const item of Deno.readDir(`${dir}/cache`)) names.push(item.name);
  return names.sort();
}

Deno.test("workerBundle: the supervisor spawns its workers from the bundle, with the same narrow flags", async () => {
  const cacheDir = await Deno.makeTempDir({ prefix: "ircweb-bundle-" });
  const bundle = startWorkerBundle({ cacheDir });
  try {
    const path = await bundle.ready();
    assert(path !== undefined, `no bundle: ${bundle.failure}`);
    assert(path.startsWith(`${cacheDir}/ircWorker-`) && path.endsWith(".js"), path);
    await withServerFixture({}, async ({ database, irc, socketDir, server }) => {
      const supervisor = await Supervisor.start({
        db: database.db,
        databaseUrl: database.url,
        socketDir,
        logLevel: "info",
      });
      try {
        await supervisor.connect(server.id);
        const row = await waitForStatus(database.db, server.id, "connected");
        assert(row.pid !== null);
        const args = await processArguments(row.pid);
        assert(args.includes(path), args.join(" "));
        assert(!args.includes(WORKER_ENTRY), args.join(" "));
        const socket = row.socket_path!;
        assert(
          args.includes(`--allow-read=${socket}`) && args.includes(`--allow-write=${socket}`),
          args.join(" "),
        );
        for (const flag of args.filter((a) => a.startsWith("-"))) {
          assert(!/^(-A|--allow-all|--allow-run|--allow-ffi|--allow-sys)(=|$)/.test(flag), `has ${flag}`);
          assert(!/^--allow-(net|read|write|env)$/.test(flag), `unscoped ${flag}`);
        }
        // Both ways through the bundled worker: a command out to IRC, a line in to the database.
        await new IrcCommandSender(row).privmsg("#bundle", "sent from the bundle");
        await irc.waitForLine("PRIVMSG #bundle :sent from the bundle");
        (await irc.waitForClient()).send(":bob!b@example PRIVMSG tester :stored by the bundle");
        await waitFor(
          () =>
            database.db.selectFrom("messages").select("content")
              .where("server_id", "=", server.id).where("content", "=", "stored by the bundle")
              .executeTakeFirst(),
          10_000,
          "the bundled worker to store the line",
        );
      } finally {
        await supervisor.stop();
      }
      assertEquals((await findServer(database.db, server.id))?.pid, null);
    });
  } finally {
    await bundle.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("workerBundle: a changed source is never run from the old bundle; it is built again", async () => {
  await withGraph(async (dir) => {
    const bundle = bundleOf(dir).start();
    try {
      // Until the first build is done, the source.
      assertEquals(bundle.entry(), `${dir}/main.ts`);
      const first = await bundle.ready();
      assert(first !== undefined, `no bundle: ${bundle.failure}`);
      assertEquals(bundle.entry(), first);
      assertEquals(await run(first), "one");

      await writePart(dir, "two");
      assertEquals(bundle.entry(), `${dir}/main.ts`, "the old bundle is not run once its source changed");
      const second = await bundle.ready();
      assert(second !== undefined, `no bundle: ${bundle.failure}`);
      assert(second !== first, "a bundle of its own");
      assertEquals(bundle.entry(), second);
      assertEquals(await run(second), "two");

      // A changed deno.json (its imports decide what a specifier is) counts too.
      await Deno.writeTextFile(`${dir}/deno.json`, '{ "imports": {} }\n');
      assertEquals(bundle.entry(), `${dir}/main.ts`);
      const third = await bundle.ready();
      assert(third !== undefined && third !== second, third);

      // Back to an earlier source, whose bundle is still kept: found, not built.
      await Deno.writeTextFile(`${dir}/deno.json`, "{}\n");
      const before = (await Deno.stat(second)).mtime?.getTime();
      bundle.entry();
      assertEquals(await bundle.ready(), second);
      assertEquals((await Deno.stat(second)).mtime?.getTime(), before, "not built again");
    } finally {
      await bundle.close();
    }
  });
});

Deno.test("workerBundle: a source that does not build leaves workers on source, with the reason, until it is fixed", async () => {
  await withGraph(async (dir) => {
    await Deno.writeTextFile(`${dir}/part.ts`, "export const word: string = ;\n");
    const bundle = bundleOf(dir).start();
    try {
      assertEquals(await bundle.ready(), undefined);
      assert(bundle.failure !== undefined && bundle.failure.length > 0, "a reason");
      assertMatch(bundle.failure, /part\.ts/);
      // Not tried again while the source is as it was.
      assertEquals(bundle.entry(), `${dir}/main.ts`);
      assertEquals(await bundle.ready(), undefined);
      await writePart(dir, "fixed");
      assertEquals(bundle.entry(), `${dir}/main.ts`);
      const path = await bundle.ready();
      assert(path !== undefined, `no bundle: ${bundle.failure}`);
      assertEquals(bundle.failure, undefined);
      assertEquals(await run(path), "fixed");
    } finally {
      await bundle.close();
    }
  });
});

Deno.test("workerBundle: builders at once share one whole file and leave no temporary one", async () => {
  await withGraph(async (dir) => {
    const bundles = [bundleOf(dir).start(), bundleOf(dir).start(), bundleOf(dir).start()];
    try {
      const paths = await Promise.all(bundles.map((b) => b.ready()));
      assert(paths[0] !== undefined, `no bundle: ${bundles[0].failure}`);
      assertEquals(new Set(paths).size, 1, paths.join(" "));
      assertEquals(await run(paths[0]), "one");
      assertEquals(await cacheFiles(dir), [paths[0].replace(/^.*\//, "")]);
    } finally {
      await Promise.all(bundles.map((b) => b.close()));
    }
  });
});
