import pg from "pg";
import { assert, assertEquals, assertThrows } from "../../support/assert.ts";
import {
  PG_ENV_VARS,
  urlWithoutLogin,
  WORKER_ENTRY,
  workerArgs,
  workerEnv,
  type WorkerSpec,
} from "../../../lib/supervisor/workerLaunch.ts";
import { testClusterUrl } from "../../support/database.ts";
import { makeSocketDir } from "../../support/worker.ts";

const spec = (databaseUrl: string): WorkerSpec => ({
  serverId: 7,
  ircHost: "irc.example.org",
  ircPort: 6697,
  databaseUrl,
  socketDir: "/run/ircweb",
});
const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

/** The database address in the worker's `--allow-net` for `url` under `vars`. */
function dbAddress(url: string, vars: Record<string, string> = {}): string {
  const net = workerArgs(spec(url), envOf(vars)).find((a) => a.startsWith("--allow-net="));
  assert(net, "an --allow-net flag");
  const [db, irc, socket] = net.slice("--allow-net=".length).split(",");
  // The rest of the list stays as narrow as before.
  assertEquals([irc, socket], ["irc.example.org:6697", "unix:/run/ircweb/server-7.sock"]);
  return db;
}

Deno.test("workerEnv: the PG* variables set for the app reach the worker, nothing else does", () => {
  const env = workerEnv(
    spec("postgres://ircweb@db/ircweb"),
    envOf({ PGPASSWORD: "s3cret", PGSSLMODE: "require", PGAPPNAME: "", SECRET_KEY: "no", PGPASSFILE: "no" }),
  );
  assertEquals([env.PGPASSWORD, env.PGSSLMODE, env.PGAPPNAME], ["s3cret", "require", ""]);
  assertEquals([env.DATABASE_URL, env.SOCKET_DIR, env.LOG_LEVEL], [
    "postgres://ircweb@db/ircweb",
    "/run/ircweb",
    "info",
  ]);
  assert(!("SECRET_KEY" in env) && !("PGPASSFILE" in env), "only the PG variables the worker may read");
  assert(!("PGHOST" in env), "an unset variable stays unset");
});

Deno.test("workerEnv: a worker with a login of its own gets it, and not the app's", () => {
  const env = workerEnv(
    {
      ...spec("postgres://app:s3cret@db:5432/ircweb?sslmode=require"),
      databaseLogin: { user: "w", password: "p" },
    },
    envOf({ PGUSER: "app", PGPASSWORD: "app-secret", PGSSLMODE: "require" }),
  );
  assertEquals([env.PGUSER, env.PGPASSWORD, env.PGSSLMODE], ["w", "p", "require"]);
  assertEquals(env.DATABASE_URL, "postgres://db:5432/ircweb?sslmode=require");
  assert(!JSON.stringify(env).includes("secret"), "the app's passwords stay with the app");
});

Deno.test("urlWithoutLogin: drops the user and password however the URL gives them", () => {
  assertEquals(
    urlWithoutLogin("postgres://app:p%40ss@db.example:6543/ircweb"),
    "postgres://db.example:6543/ircweb",
  );
  assertEquals(
    urlWithoutLogin("postgresql://app@db/x?user=a&sslmode=require&password=b"),
    "postgresql://db/x?sslmode=require",
  );
  assertEquals(urlWithoutLogin("postgres://u:p@/ircweb"), "postgres:///ircweb");
  assertEquals(urlWithoutLogin("postgres:///ircweb"), "postgres:///ircweb");
});

Deno.test("workerArgs: a worker may read and write its own socket, not the folder", () => {
  const args = workerArgs(spec("postgres://db/ircweb"), envOf({}));
  assert(args.includes("--allow-read=/run/ircweb/server-7.sock"), args.join(" "));
  assert(args.includes("--allow-write=/run/ircweb/server-7.sock"), args.join(" "));
  assert(
    !args.some((a) => a === "--allow-write=/run/ircweb" || a === "--allow-read=/run/ircweb"),
    args.join(" "),
  );
});

Deno.test("workerArgs: a worker's heap has a ceiling, 256 MB unless told", () => {
  const flags = (memoryLimitMb?: number) =>
    workerArgs({ ...spec("postgres://db/ircweb"), memoryLimitMb }, envOf({})).find((a) =>
      a.startsWith("--v8-flags=")
    );
  const list = (flag: string | undefined) => flag?.slice("--v8-flags=".length).split(",") ?? [];
  assert(list(flags()).includes("--max-old-space-size=256"), flags());
  assert(list(flags(64)).includes("--max-old-space-size=64"), flags(64));
});

Deno.test("workerArgs: the worker may read every PG variable it can be given", () => {
  const allowEnv = workerArgs(spec("postgres://db/ircweb"), envOf({})).find((a) =>
    a.startsWith("--allow-env=")
  );
  for (const name of PG_ENV_VARS) assert(allowEnv?.split(/[=,]/).includes(name), name);
});

Deno.test("workerArgs: the database address is the one npm:pg connects to", () => {
  // The URL's host and port first, then PGHOST and PGPORT, then localhost:5432.
  assertEquals(dbAddress("postgres:///ircweb", { PGHOST: "db.example", PGPORT: "6543" }), "db.example:6543");
  assertEquals(dbAddress("postgres:///ircweb"), "localhost:5432");
  assertEquals(dbAddress("postgres://u:p@/ircweb"), "localhost:5432");
  assertEquals(dbAddress("postgres://u:p@/ircweb", { PGHOST: "db.example" }), "db.example:5432");
  assertEquals(dbAddress("postgres://u@db:5433/x", { PGHOST: "other", PGPORT: "6543" }), "db:5433");
  assertEquals(dbAddress("postgres://u@db/x", { PGPORT: "6543" }), "db:6543");
  assertEquals(dbAddress("postgres://u@db/x?host=db2&port=7000"), "db2:7000");
  assertEquals(dbAddress("postgres://u@[::1]:5433/x"), "[::1]:5433");
  assertEquals(dbAddress("postgresql://u@127.0.0.1/x", { PGHOST: "", PGPORT: "" }), "127.0.0.1:5432");
  assertEquals(dbAddress("postgres://u:p%@db/x"), "db:5432");
});

Deno.test("workerArgs: it agrees with npm:pg's own reading of the URL and the environment", () => {
  const cases: [string, Record<string, string>][] = [
    ["postgres:///ircweb", { PGHOST: "db.example", PGPORT: "6543" }],
    ["postgres://u:p@/ircweb", {}],
    ["postgres://u:p@/ircweb", { PGPORT: "6000" }],
    ["postgres://u@db:5433/x", { PGHOST: "other", PGPORT: "6543" }],
    ["postgres://u@db/x?host=db2&port=7000", {}],
    ["postgres://u@[::1]:5433/x", {}],
  ];
  const saved = new Map(["PGHOST", "PGPORT"].map((name) => [name, Deno.env.get(name)]));
  try {
    for (const [url, vars] of cases) {
      for (const name of saved.keys()) {
        if (vars[name] === undefined) Deno.env.delete(name);
        else Deno.env.set(name, vars[name]);
      }
      const client = new pg.Client({ connectionString: url });
      const host = client.host.includes(":") ? `[${client.host}]` : client.host;
      assertEquals(dbAddress(url, vars), `${host}:${client.port}`, url);
    }
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) Deno.env.delete(name);
      else Deno.env.set(name, value);
    }
  }
});

Deno.test("workerArgs: a database on a Unix socket is refused, naming it, without the password", () => {
  const cases: [string, Record<string, string>][] = [
    ["postgres:///ircweb", { PGHOST: "/var/run/postgresql" }],
    ["postgres://u:hunter2@/ircweb?host=/var/run/postgresql", {}],
    ["postgres://u:hunter2@%2Fvar%2Frun%2Fpostgresql/ircweb", {}],
    ["socket:/var/run/postgresql?db=ircweb", {}],
    ["/var/run/postgresql ircweb", {}],
  ];
  for (const [url, vars] of cases) {
    const error = assertThrows(() => workerArgs(spec(url), envOf(vars)), Error, "Unix socket");
    assert(error.message.includes("/var/run/postgresql"), error.message);
    assert(!error.message.includes("hunter2"), error.message);
  }
});

Deno.test("workerArgs: a URL pg cannot read either is refused readably, without the password", () => {
  const error = assertThrows(() => workerArgs(spec("postgres://u:hunter2@db:port/x"), envOf({})), Error);
  assert(!error.message.includes("hunter2"), error.message);
  assertThrows(() => dbAddress("postgres:///x", { PGPORT: "lots" }), Error, "PGPORT");
});

Deno.test("worker flags: a URL without host or password reaches the database through PGHOST, PGPORT and PGPASSWORD", async () => {
  // The worker's own flags and environment, applied to a probe that opens a
  // connection as a worker does.
  const cluster = new URL(testClusterUrl());
  const vars = {
    PGHOST: cluster.hostname,
    PGPORT: cluster.port,
    PGPASSWORD: decodeURIComponent(cluster.password),
  };
  const socketDir = await makeSocketDir();
  const probeSpec = { ...spec(`postgres://${cluster.username}@${cluster.pathname}`), socketDir };
  const args = workerArgs(probeSpec, envOf(vars));
  const probe = `${socketDir}/probe.ts`;
  await Deno.writeTextFile(
    probe,
    `import pg from "pg";
     const client = new pg.Client({ connectionString: Deno.env.get("DATABASE_URL") });
     try {
       await client.connect();
       console.log((await client.query("select 1 as one")).rows[0].one);
       await client.end();
     } catch (e) { console.log(e.name + ": " + e.message); }`,
  );
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: args.map((a) => a === WORKER_ENTRY ? probe : a).slice(0, -1),
      env: workerEnv(probeSpec, envOf(vars)),
      clearEnv: true,
    }).output();
    assertEquals(new TextDecoder().decode(out.stdout).trim(), "1", new TextDecoder().decode(out.stderr));
  } finally {
    await Deno.remove(socketDir, { recursive: true });
  }
});
