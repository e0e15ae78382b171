/**
 * A real IRC network for the SASL and IRCv3 tests: Debian's InspIRCd 3
 * (`apt-get install -y inspircd`) linked to Debian's Anope 2.0 services
 * (`apt-get install -y anope`, its `inspircd3` protocol module), both
 * started on free loopback ports with configurations of their own in a
 * temporary folder, and stopped with it.
 *
 * InspIRCd takes clients in clear and over TLS (a certificate for
 * `localhost` signed by a CA made for the run, which {@link IrcNetwork.caFile}
 * holds: a worker trusts it through `DENO_CERT`), asks TLS clients for a
 * certificate and passes its SHA-256 fingerprint to services (`sslinfo`),
 * and offers `sasl` once services are linked: Anope answers PLAIN against
 * its NickServ accounts and EXTERNAL against their `CERT` lists.
 *
 * @module
 */
import { ircLines } from "./ircLines.ts";
import { connectRawIrcClient } from "./rawIrcClient.ts";
import { type SpawnedServer, spawnServer } from "../../bench/support/spawned.ts";
import {
  freePort,
  INSPIRCD_BINARY,
  INSPIRCD_MODULE_DIR,
  IRCV3_MODULES,
  waitForListening,
} from "../../bench/support/inspircd.ts";

/** Where Debian installs the servers. */
export const INSPIRCD = INSPIRCD_BINARY;
/** Anope's binary. */
export const ANOPE = "/usr/sbin/anope";
// Anope looks for its modules in `<modulesdir>/modules/`.
const ANOPE_MODULES = "/usr/lib/anope";
const LINK_PASSWORD = "ircweb-link-secret";
const SERVICES_NAME = "services.ircweb.test";

/** A running InspIRCd with services. */
export interface IrcNetwork {
  /** The clients' port in clear. */
  readonly port: number;
  /** The clients' TLS port (certificate for `localhost`). */
  readonly tlsPort: number;
  /** The PEM file of the CA that signed the server's certificate. */
  readonly caFile: string;
  /**
   * Registers `account` with NickServ (REGISTER), as a client of its own
   * named so; with a `certificate`, that client connects over TLS with it
   * and adds it to the account's CERT list (Anope 2.0 lets a user add only
   * the certificate it is connected with). Resolves with the fingerprints
   * NickServ then lists for the account (CERT LIST).
   */
  registerAccount(
    account: string,
    password: string,
    certificate?: { certPem: string; keyPem: string },
  ): Promise<string[]>;
  /** How many client connections InspIRCd accepted so far (services' link not counted). */
  connections(): Promise<number>;
  /** Both servers' logs so far. */
  log(): Promise<string>;
  /** Stops both and removes the folder. */
  stop(): Promise<void>;
}

type Child = SpawnedServer;

/** Starts InspIRCd and Anope and resolves once services are linked. */
export async function startIrcNetwork(): Promise<IrcNetwork> {
  const dir = await Deno.makeTempDir({ prefix: "ircweb-inspircd-" });
  // Anope will not run as root and InspIRCd's --runasroot is only a permit:
  // both run as root in CI, so the folder must be theirs whoever they are.
  await Deno.chmod(dir, 0o755);
  const children: Child[] = [];
  const stop = async () => {
    for (const child of children.reverse()) await child.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    await makeCertificates(dir);
    const [port, tlsPort, linkPort] = [freePort(), freePort(), freePort()];
    await Deno.writeTextFile(`${dir}/inspircd.conf`, inspircdConfig(dir, port, tlsPort, linkPort));
    await Deno.mkdir(`${dir}/anope`);
    await Deno.writeTextFile(`${dir}/anope/services.conf`, anopeConfig(dir, linkPort));
    // It refuses to run as root without this (CI runs as root); as anyone else it is a no-op.
    const asRoot = ["--runasroot"];
    const ircd = spawn(INSPIRCD, ["--nofork", "--nopid", "--config", `${dir}/inspircd.conf`, ...asRoot]);
    children.push(ircd);
    await waitForListening(port, ircd, async () => `${await readLog(`${dir}/ircd.log`)}${ircd.printed()}`);
    const services = spawn(ANOPE, [
      "--nofork",
      `--confdir=${dir}/anope`,
      `--dbdir=${dir}/anope`,
      `--logdir=${dir}/anope`,
      `--modulesdir=${ANOPE_MODULES}`,
    ]);
    children.push(services);
    const log = async () =>
      `--- inspircd\n${await readLog(`${dir}/ircd.log`)}${ircd.printed()}\n--- anope\n${services.printed()}`;
    await waitForServices(port, services, log);
    const network: IrcNetwork = {
      port,
      tlsPort,
      caFile: `${dir}/ca.pem`,
      registerAccount: async (account, password, certificate) => {
        const conn = certificate
          ? await Deno.connectTls({
            hostname: "localhost",
            port: tlsPort,
            caCerts: [await Deno.readTextFile(`${dir}/ca.pem`)],
            cert: certificate.certPem,
            key: certificate.keyPem,
          })
          : await Deno.connect({ hostname: "127.0.0.1", port });
        let listed: string[] = [];
        await withNickServ(conn, account, async (ask) => {
          await ask(`REGISTER ${password} ${account}@example.invalid`, /registered/i);
          // Registered is identified: the CERT list is ours to change.
          if (certificate) await ask("CERT ADD", /added/i);
          const said = await ask("CERT LIST", /certificate list/i);
          listed = said.flatMap((text) => /^\s*([0-9a-f]{40,})\s*$/i.exec(text)?.[1] ?? []);
        });
        return listed;
      },
      connections: async () => {
        // Each accepted connection, its listener named: clients' ports only.
        const text = await readLog(`${dir}/sockets.log`);
        const accepted = new RegExp(
          `Accepting connection on socket 127\\.0\\.0\\.1:(?:${port}|${tlsPort}) `,
          "g",
        );
        return text.match(accepted)?.length ?? 0;
      },
      log,
      stop,
    };
    return network;
  } catch (error) {
    await stop();
    throw error;
  }
}

// A client on `conn` named `nick` that asks NickServ: each question waits
// for the notice that says it worked (whatever NickServ says besides).
async function withNickServ(
  conn: Deno.Conn,
  nick: string,
  fn: (ask: (question: string, success: RegExp) => Promise<string[]>) => Promise<void>,
): Promise<void> {
  const lines: string[] = [];
  const encoder = new TextEncoder();
  const send = (line: string) => conn.write(encoder.encode(`${line}\r\n`));
  const reading = (async () => {
    try {
      for await (const line of ircLines(conn.readable)) {
        lines.push(line);
        if (line.startsWith("PING ")) send(`PONG ${line.slice(5)}`).catch(() => {});
      }
    } catch { /* closed */ }
  })();
  const waitFor = async (match: (line: string) => boolean, from: number) => {
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline) {
      if (lines.slice(from).some(match)) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  };
  const notice = /^:NickServ!\S+ NOTICE \S+ :(.*)$/;
  try {
    await send(`NICK ${nick}`);
    await send(`USER ${nick} 0 * :${nick}`);
    if (!await waitFor((line) => / 001 /.test(line), 0)) throw new Error(`${nick} could not register`);
    await fn(async (question, success) => {
      const from = lines.length;
      await send(`PRIVMSG NickServ :${question}`);
      const ok = await waitFor((line) => success.test(notice.exec(line)?.[1] ?? ""), from);
      // A list comes in several notices: let the rest arrive.
      await new Promise((r) => setTimeout(r, 100));
      const said = lines.slice(from).flatMap((line) => notice.exec(line)?.[1] ?? []);
      if (!ok) throw new Error(`NickServ ${question.split(" ")[0]} as ${nick} failed: ${said.join(" / ")}`);
      return said;
    });
    await send("QUIT");
  } finally {
    try {
      conn.close();
    } catch { /* closed */ }
    await reading;
  }
}

function inspircdConfig(dir: string, port: number, tlsPort: number, linkPort: number): string {
  return `<server name="irc.ircweb.test" description="ircweb SASL tests" network="IrcwebTest" id="001">
<admin name="tests" nick="tests" email="tests@localhost">
<bind address="127.0.0.1" port="${port}" type="clients">
<bind address="127.0.0.1" port="${tlsPort}" type="clients" sslprofile="tls">
<bind address="127.0.0.1" port="${linkPort}" type="servers">
<connect name="main" allow="*" timeout="60" pingfreq="10m" threshold="1000000" commandrate="1000000000"
         fakelag="no" localmax="1000" globalmax="1000" maxconnwarn="no" limit="1000"
         resolvehostnames="no" useident="no">
<dns server="127.0.0.1" timeout="1">
<path configdir="${dir}" datadir="${dir}" logdir="${dir}" moduledir="${INSPIRCD_MODULE_DIR}">
<security hideserver="" userstats="Pu" announceinvites="all">
<options syntaxhints="no" announcets="yes" pingwarning="15" casemapping="ascii">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="${dir}/ircd.log">
<log method="file" type="SOCKET" level="debug" target="${dir}/sockets.log" flush="1">
<module name="ssl_gnutls">
<sslprofile name="tls" provider="gnutls" certfile="${dir}/server.pem" keyfile="${dir}/server.key"
            hash="sha256" requestclientcert="yes">
<module name="sslinfo">
<module name="spanningtree">
<module name="services_account">
<module name="hidechans">
<module name="sasl">
<sasl target="${SERVICES_NAME}" requiressl="no">
<link name="${SERVICES_NAME}" ipaddr="127.0.0.1" port="${linkPort}" allowmask="127.0.0.0/8"
      sendpass="${LINK_PASSWORD}" recvpass="${LINK_PASSWORD}">
<uline server="${SERVICES_NAME}" silent="yes">
${IRCV3_MODULES}<module name="ircv3_accounttag">
<module name="chanhistory">
<chanhistory maxlines="50" prefixmsg="no" bots="yes">
<module name="ircv3_invitenotify">
<module name="setname">
<setname operonly="no">
`;
}

function anopeConfig(dir: string, linkPort: number): string {
  return `define { name = "services.host"; value = "${SERVICES_NAME}" }
uplink { host = "127.0.0.1"; ipv6 = no; ssl = no; port = ${linkPort}; password = "${LINK_PASSWORD}" }
serverinfo {
  name = "${SERVICES_NAME}"; description = "ircweb test services"; id = "00A"
  pid = "${dir}/anope/anope.pid"; motd = "${dir}/anope/services.motd"
}
module { name = "inspircd3"; use_server_side_mlock = no; use_server_side_topiclock = no }
networkinfo {
  networkname = "IrcwebTest"; nicklen = 31; userlen = 10; hostlen = 64; chanlen = 32; modelistsize = 100
  vhost_chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-"
  allow_undotted_vhosts = false; disallow_start_or_end = ".-"
}
options {
  seed = 1234567; casemap = "ascii"; strictpasswords = no; badpasslimit = 0; badpasstimeout = 1h
  updatetimeout = 5m; expiretimeout = 30m; readtimeout = 5s; warningtimeout = 4h; timeoutcheck = 3s
  retrywait = 1s; hideprivilegedcommands = yes; hideregisteredcommands = yes
}
log { target = "services.log"; bot = ""; logage = 1; admin = "*"; override = "*"; commands = "*"; servers = "*"; users = "*"; other = "*" }
log { target = "stdout"; servers = "*"; other = "*" }
mail { usemail = no }
module { name = "db_flatfile"; database = "anope.db"; keepbackups = 0; fork = no }
module { name = "enc_sha256" }
module { name = "m_sasl" }
service {
  nick = "NickServ"; user = "services"; host = "services.host"; gecos = "Nickname Registration Service"
}
module {
  name = "nickserv"; client = "NickServ"; forceemail = no; confirmemailchanges = no
  defaults = "ns_secure ns_private hide_email hide_mask"
  regdelay = 0s; expire = 21d; secureadmins = yes; modeonid = yes; hidenetsplitquit = no
  killquick = 20s; kill = 60s; enforceruser = "enforcer"; enforcerhost = "services.host"
  releasetimeout = 1m; guestnickprefix = "Guest"; nonicknameownership = no; passlen = 32
}
module { name = "ns_register"; registration = "none"; resenddelay = 90s }
module { name = "ns_identify"; maxlogins = 10 }
module { name = "ns_cert"; max = 5 }
command { service = "NickServ"; name = "REGISTER"; command = "nickserv/register" }
command { service = "NickServ"; name = "IDENTIFY"; command = "nickserv/identify" }
command { service = "NickServ"; name = "CERT"; command = "nickserv/cert" }
`;
}

// A CA made for this run and a certificate for localhost (and 127.0.0.1) it signs.
async function makeCertificates(dir: string): Promise<void> {
  const openssl = async (...args: string[]) => {
    const out = await new Deno.Command("openssl", { args, cwd: dir, stdin: "null" }).output();
    if (!out.success) throw new Error(`openssl ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=ircweb test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign",
  );
  await openssl("req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
  await Deno.writeTextFile(
    `${dir}/server.ext`,
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
  );
  await openssl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "server.ext",
  );
  // InspIRCd may run as another user than the one that wrote them.
  for (const file of ["ca.pem", "server.pem", "server.key"]) await Deno.chmod(`${dir}/${file}`, 0o644);
}

function spawn(binary: string, args: string[]): Child {
  return spawnServer(binary, args, `${binary} is missing: apt-get install -y inspircd anope`);
}

// Linked once NickServ is a user on InspIRCd: WHOIS it until it is.
async function waitForServices(port: number, services: Child, log: () => Promise<string>): Promise<void> {
  const client = await connectRawIrcClient(port, "linkcheck");
  try {
    const deadline = performance.now() + 30_000;
    while (true) {
      if (services.exited()) throw new Error(`Anope exited at start:\n${(await log()).slice(-3000)}`);
      const from = client.received.length;
      await client.send("WHOIS NickServ");
      await client.waitForLine(/^:\S+ 318 /, 5000).catch(() => undefined);
      if (client.received.slice(from).some((r) => / 311 linkcheck NickServ /i.test(r.line))) return;
      if (performance.now() > deadline) {
        throw new Error(`services did not link within 30 s:\n${(await log()).slice(-3000)}`);
      }
      // Only the newest answer counts.
      client.received.length = 0;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await client.close();
  }
}

async function readLog(path: string): Promise<string> {
  return await Deno.readTextFile(path).catch(() => "");
}
