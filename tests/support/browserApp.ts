/**
 * The set-up most browser tests share: a test database with the user alice
 * and one IRC server of hers, the app as `deno task start` runs it (its
 * worker sockets in a private folder under the project's `tmp/`), and
 * Debian's Chromium; with the steps of logging alice in and connecting her
 * server from a page.
 *
 * @module
 */
import type { Browser, Page } from "playwright-core";
import { type AppProcess, type AppProcessOptions, startAppProcess } from "./appProcess.ts";
import { launchChromium } from "./chromium.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { createUser } from "../../lib/users.ts";
import { insertServer } from "../../lib/servers.ts";
import type { Server } from "../../lib/db/schema.ts";
import type { RawIrcClient } from "./rawIrcClient.ts";
import { type IrcPeer, withIrcPeer } from "./ircPeer.ts";

const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** The user every browser test logs in as. */
export const USER = { name: "alice", password: "correct horse battery" } as const;

/** Options of {@link startBrowserApp}. */
export interface BrowserAppOptions {
  /** The IRC server's port on 127.0.0.1 (ngircd, InspIRCd, a fake one, a proxy). */
  ircPort: number;
  /** The prefix of the sockets' folder, to tell tests' leftovers apart. */
  socketPrefix: string;
  /** The server's name in the app; "Test IRC" by default. */
  serverName?: string;
  /** More of the app's environment and its log level ({@link startAppProcess}'s options). */
  app?: Pick<AppProcessOptions, "env" | "logLevel">;
}

/** A running app with alice's server stored, and Chromium. */
export interface BrowserApp {
  database: TestDatabase;
  /** alice's IRC server, as stored. */
  server: Server;
  app: AppProcess;
  browser: Browser;
  /** Closes the browser, stops the app, drops the database and removes the sockets' folder. */
  close(): Promise<void>;
}

/** Starts the database, alice and her server, the app and Chromium, in that order. */
export async function startBrowserApp(options: BrowserAppOptions): Promise<BrowserApp> {
  const database = await createTestDatabase();
  // Inside the project: the app reads only there (`deno task start`).
  await Deno.mkdir(`${root}/tmp/screenshots`, { recursive: true });
  const socketDir = await Deno.makeTempDir({ dir: `${root}/tmp`, prefix: options.socketPrefix });
  await Deno.chmod(socketDir, 0o700);
  const user = await createUser(database.db, USER.name, USER.password);
  const server = await insertServer(database.db, {
    user_id: user.id,
    name: options.serverName ?? "Test IRC",
    host: "127.0.0.1",
    port: options.ircPort,
    tls: false,
    nickname: USER.name,
  });
  const app = await startAppProcess(database.url, socketDir, options.app);
  const browser = await launchChromium();
  return {
    database,
    server,
    app,
    browser,
    close: async () => {
      await browser.close().catch(() => {});
      await app.stop();
      await database.drop();
      await Deno.remove(socketDir, { recursive: true }).catch(() => {});
    },
  };
}

/**
 * Runs `fn` with the app of {@link startBrowserApp}, closed after; a failure
 * is told with the app's log.
 */
export async function withBrowserApp(
  options: BrowserAppOptions,
  fn: (t: BrowserApp) => Promise<void>,
): Promise<void> {
  const t = await startBrowserApp(options);
  try {
    await fn(t);
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.stack : error}\n--- app log ---\n${t.app.log()}`);
  } finally {
    await t.close();
  }
}

/** {@link withBrowserApp} on an ngircd with bob on it ({@link withIrcPeer}). */
export function withBrowserPeer(
  socketPrefix: string,
  fn: (t: BrowserApp & IrcPeer) => Promise<void>,
): Promise<void> {
  return withIrcPeer((peer) =>
    withBrowserApp({ ircPort: peer.ngircd.port, socketPrefix }, (t) => fn({ ...t, ...peer }))
  );
}

/** Logs alice in on `page` through the login form, and waits for the home page. */
export async function logIn(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill("#field-name", USER.name);
  await page.fill("#field-password", USER.password);
  await Promise.all([page.waitForURL(`${base}/`), page.click("button[type=submit]")]);
}

/** Opens the server's page, clicks Connect and waits until the toolbar says connected. */
export async function connectServer(page: Page, base: string, serverId: number): Promise<void> {
  await page.goto(`${base}/servers/${serverId}`);
  await page.click("button:has-text('Connect')");
  await page.locator(".server-toolbar [data-status=connected]").waitFor();
}

/**
 * Types `/join channel` in the open window and waits for the page to move to
 * the channel's window, as `/join` does; a `goto` started before that move
 * would be cut off by it.
 */
export async function joinChannel(page: Page, channel: string): Promise<void> {
  await page.fill("#composer-input", `/join ${channel}`);
  await page.press("#composer-input", "Enter");
  await page.waitForURL((url) => url.pathname.endsWith(`/chat/${encodeURIComponent(channel)}`));
}

/** `peer` joins `channel`, then alice by `/join` on `page`; resolves once `peer` sees her there. */
export async function joinWith(page: Page, peer: RawIrcClient, channel: string): Promise<void> {
  await peer.join(channel);
  await joinChannel(page, channel);
  await peer.waitForMember(channel, USER.name);
}
