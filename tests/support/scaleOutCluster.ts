/**
 * Several app instances on one test database, with networks on one real
 * ngircd (`net<i>`, user `u<i>`, autoconnect) and a raw client `watcher`
 * there: what the scale-out tests share. Instances' logs are printed when the
 * test fails, and everything is stopped and removed afterwards.
 */
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { type Ngircd, startNgircd } from "./ngircd.ts";
import { connectRawIrcClient, type RawIrcClient } from "./rawIrcClient.ts";
import { type AppProcess, startAppProcess } from "./appProcess.ts";
import { createUser } from "../../lib/users.ts";
import { createApiToken } from "../../lib/auth/apiTokens.ts";
import { insertServer } from "../../lib/servers.ts";

const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** What a test body gets from {@link withScaleOutCluster}. */
export interface ScaleOutCluster {
  database: TestDatabase;
  irc: Ngircd;
  /** An API token of the networks' user, alice. */
  token: string;
  /** The networks' server ids, `net1` first. */
  ids: number[];
  /** A raw client on ngircd, nick `watcher`, connected before any instance starts. */
  watcher: RawIrcClient;
  /** Starts an instance named `id` (`INSTANCE_ID`) placing every 300 ms, with a socket folder of its own. */
  start(id: string): Promise<AppProcess>;
  /** Whether every one of `ids` is connected. */
  allConnected(ids: number[]): Promise<boolean>;
}

/** Runs `body` on a cluster of `networks` networks and no instance yet; `prefix` names their folders. */
export async function withScaleOutCluster(
  networks: number,
  prefix: string,
  body: (cluster: ScaleOutCluster) => Promise<void>,
): Promise<void> {
  const database = await createTestDatabase();
  const irc = await startNgircd();
  const apps: AppProcess[] = [];
  const dirs: string[] = [];
  let watcher: RawIrcClient | undefined;
  try {
    const { db } = database;
    const user = await createUser(db, "alice", "correct horse battery");
    const { token } = await createApiToken(db, user.id);
    const ids: number[] = [];
    for (let i = 1; i <= networks; i++) {
      const server = await insertServer(db, {
        user_id: user.id,
        name: `net${i}`,
        host: "127.0.0.1",
        port: irc.port,
        tls: false,
        nickname: `net${i}`,
        username: `u${i}`,
        flood_interval_ms: 0,
      });
      ids.push(server.id);
    }
    await db.updateTable("servers").set({ autoconnect: true }).execute();
    watcher = await connectRawIrcClient(irc.port, "watcher");
    const start = async (id: string) => {
      // Under the project's tmp/: the app may read only there.
      const dir = await Deno.makeTempDir({ dir: `${root}/tmp`, prefix: `${prefix}-${id}-` });
      dirs.push(dir);
      const app = await startAppProcess(database.url, dir, {
        env: { INSTANCE_ID: id, PLACEMENT_INTERVAL_MS: "300" },
      });
      apps.push(app);
      return app;
    };
    const allConnected = async (servers: number[]) => {
      const rows = await db.selectFrom("servers").select(["id", "status"]).where("id", "in", servers)
        .execute();
      return rows.length === servers.length && rows.every((r) => r.status === "connected");
    };
    await body({ database, irc, token, ids, watcher, start, allConnected });
  } catch (error) {
    // What the instances said is what tells a failure here.
    for (const app of apps) console.error(`--- ${app.url}\n${app.log().slice(-6000)}`);
    throw error;
  } finally {
    await Promise.all(apps.map((app) => app.stop()));
    await watcher?.close();
    await irc.close();
    for (const dir of dirs) await Deno.remove(dir, { recursive: true }).catch(() => {});
    await database.drop();
  }
}
