/**
 * A real IRC server for the bench: InspIRCd 3 from Debian's package
 * (`apt-get install -y inspircd`), started on a free loopback port with a
 * configuration of its own in a temporary folder, without flood limits
 * (no fake lag, a command rate and queues no bench reaches, no per-address
 * connection limit, no DNS or ident lookups).
 *
 * The bench's own server (`ircServer.ts`) writes every line at once with
 * `TCP_NODELAY`; a real server need not, and what it does instead is what
 * users get: the scenario against this one keeps the difference in sight.
 *
 * @module
 */
import { type SpawnedServer, spawnServer } from "./spawned.ts";

/** Where Debian installs the server and its modules. */
export const INSPIRCD_BINARY = "/usr/sbin/inspircd";
/** Where Debian installs InspIRCd's modules. */
export const INSPIRCD_MODULE_DIR = "/usr/lib/inspircd/modules";

/** The IRCv3 modules a network runs, as configuration lines (the bench's and the tests' servers load them). */
export const IRCV3_MODULES = `<module name="cap">
<module name="ircv3">
<module name="ircv3_servertime">
<module name="ircv3_msgid">
<module name="ircv3_echomessage">
<module name="ircv3_batch">
<module name="ircv3_capnotify">
`;

/** A running InspIRCd. */
export interface InspIrcd {
  readonly port: number;
  /** Its log so far (its own file and what it printed). */
  log(): Promise<string>;
  /** Stops it (SIGTERM, then SIGKILL after 5 s) and removes its folder. */
  stop(): Promise<void>;
}

/** The configuration: one client port on loopback, and nothing that limits or delays a client. */
export function inspircdConfig(port: number, dir: string): string {
  return `<server name="inspircd.bench" description="ircweb bench" network="BenchNet">
<admin name="bench" nick="bench" email="bench@localhost">
<bind address="127.0.0.1" port="${port}" type="clients">
<connect name="main" allow="*" timeout="60" pingfreq="10m"
         hardsendq="64M" softsendq="64M" recvq="64M"
         threshold="1000000" commandrate="1000000000" fakelag="no"
         localmax="100000" globalmax="100000" maxconnwarn="no" limit="100000" maxchans="1000"
         resolvehostnames="no" useident="no">
<channels users="1000" opers="1000">
<dns server="127.0.0.1" timeout="1">
<path configdir="${dir}" datadir="${dir}" logdir="${dir}" moduledir="${INSPIRCD_MODULE_DIR}">
<performance quietbursts="yes" softlimit="1024" somaxconn="128">
<security hideserver="" userstats="Pu" maxtargets="20">
<options syntaxhints="no" announcets="yes" hostintopic="yes" pingwarning="15" splitwhois="no">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="${dir}/ircd.log">
${IRCV3_MODULES}<module name="ircv3_chghost">
<module name="namesx">
<module name="uhnames">
`;
}

/** Starts InspIRCd on a free loopback port; resolves once it accepts connections. */
export async function startInspIrcd(): Promise<InspIrcd> {
  const dir = await Deno.makeTempDir({ prefix: "ircweb-bench-inspircd-" });
  const port = freePort();
  const config = `${dir}/inspircd.conf`;
  await Deno.writeTextFile(config, inspircdConfig(port, dir));
  // It refuses to run as root unless told to (CI runs as root); the flag
  // changes nothing for another user.
  let server: SpawnedServer;
  try {
    server = spawnServer(
      INSPIRCD_BINARY,
      ["--nofork", "--nopid", "--runasroot", "--config", config],
      `InspIRCd is not installed (${INSPIRCD_BINARY}): apt-get install -y inspircd`,
    );
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
  const log = async () => {
    const file = await Deno.readTextFile(`${dir}/ircd.log`).catch(() => "");
    return `${file}${server.printed()}`;
  };
  let stopping: Promise<void> | undefined;
  const stop = () =>
    stopping ??= (async () => {
      await server.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    })();
  try {
    await waitForListening(port, server, log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, log, stop };
}

/**
 * Resolves once InspIRCd (`server`) accepts connections on `port`; throws
 * with the end of its `log` if it exits first or is not listening within 30 s.
 */
export async function waitForListening(
  port: number,
  server: SpawnedServer,
  log: () => Promise<string>,
): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (true) {
    if (server.exited()) throw new Error(`InspIRCd exited at start:\n${(await log()).slice(-3000)}`);
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch { /* not listening yet */ }
    if (performance.now() > deadline) {
      throw new Error(`InspIRCd did not listen on ${port} within 30 s:\n${(await log()).slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A loopback port the kernel has just handed out, closed again for a server to bind. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
