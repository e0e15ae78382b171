/**
 * A real bouncer for the playback tests: Debian's ZNC 1.8
 * (`apt-get install -y znc`), on a free loopback port with a configuration
 * of its own in a temporary folder, one user with one network on an IRC
 * server of the test. Debian ships no `playback` module: ZNC replays its
 * buffers as `znc.in/playback` batches at each attach.
 *
 * @module
 */
import { type CollectedOutput, collectOutput, terminate } from "../../bench/support/spawned.ts";

/** Where Debian installs it. */
export const ZNC = "/usr/bin/znc";

// ZNC run as root waits 30 s first ("Don't do that!"); CI runs as root, so
// it runs as nobody then, with its folder made theirs.
const NOBODY = 65534;

/** Options of {@link startZnc}. */
export interface ZncOptions {
  /** The loopback port of the IRC server the network connects to. */
  ircPort: number;
  /** Our nick on that network, also the ZNC user's name. */
  nick: string;
  /** Channels ZNC joins for the user. */
  channels: string[];
  /**
   * `false` (ZNC's default `true`): buffers are kept after each replay, so
   * every attach replays all of them again, what a client sees when the
   * buffers are meant to be shared or played back by `playback`.
   */
  clearBuffers?: boolean;
}

/** A running ZNC. */
export interface Znc {
  /** The clients' port. */
  readonly port: number;
  /** The server password a client sends (`PASS`): `<user>/<network>:<password>`. */
  readonly login: string;
  /** What it printed so far. */
  log(): string;
  /** Stops it (SIGTERM, then SIGKILL) and removes its folder. */
  stop(): Promise<void>;
}

/** Starts ZNC and resolves once it takes clients (it connects to IRC by itself soon after). */
export async function startZnc(options: ZncOptions): Promise<Znc> {
  const dir = await Deno.makeTempDir({ prefix: "ircweb-znc-" });
  const password = crypto.randomUUID();
  const port = freePort();
  let child: Deno.ChildProcess | undefined;
  let output: CollectedOutput | undefined;
  const stop = async () => {
    if (child) await terminate(child, child.status, 5000);
    await output?.done;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    await Deno.mkdir(`${dir}/configs`);
    await Deno.writeTextFile(`${dir}/configs/znc.conf`, await configuration(port, password, options));
    const asRoot = await isRoot();
    if (asRoot) {
      for (const path of [dir, `${dir}/configs`, `${dir}/configs/znc.conf`]) {
        await Deno.chown(path, NOBODY, NOBODY);
      }
    }
    try {
      child = new Deno.Command(ZNC, {
        args: ["--foreground", "--datadir", dir],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
      }).spawn();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new Error(`${ZNC} not found: apt-get install -y --no-install-recommends znc`);
      }
      throw error;
    }
    output = collectOutput(child, 50_000);
    await listening(port, child, output);
  } catch (error) {
    await stop();
    throw error;
  }
  const running = output;
  return {
    port,
    login: `${options.nick}/test:${password}`,
    log: () => running.text(),
    stop,
  };
}

async function listening(port: number, child: Deno.ChildProcess, output: CollectedOutput): Promise<void> {
  let exited = false;
  child.status.then(() => exited = true);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`znc exited before listening:\n${output.text()}`);
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`znc did not listen on ${port} within 10 s:\n${output.text()}`);
}

async function isRoot(): Promise<boolean> {
  const { stdout } = await new Deno.Command("id", { args: ["-u"], stdout: "piped", stderr: "null" }).output();
  return new TextDecoder().decode(stdout).trim() === "0";
}

// ZNC's `sha256` method: the hex SHA-256 of the password followed by the salt.
async function passwordBlock(password: string): Promise<string> {
  const salt = crypto.randomUUID().replaceAll("-", "").slice(0, 20);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(password + salt));
  const hash = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `\t<Pass password>\n\t\tMethod = sha256\n\t\tHash = ${hash}\n\t\tSalt = ${salt}\n\t</Pass>`;
}

async function configuration(port: number, password: string, options: ZncOptions): Promise<string> {
  const clear = options.clearBuffers ?? true;
  const channels = options.channels.map((c) => `\t\t<Chan ${c}>\n\t\t</Chan>`).join("\n");
  return `Version = 1.8.2
<Listener clients>
	Port = ${port}
	IPv4 = true
	IPv6 = false
	SSL = false
	Host = 127.0.0.1
</Listener>
<User ${options.nick}>
${await passwordBlock(password)}
	Nick = ${options.nick}
	AltNick = ${options.nick}_
	Ident = ${options.nick}
	RealName = ${options.nick}
	AutoClearChanBuffer = ${clear}
	AutoClearQueryBuffer = ${clear}
	ChanBufferSize = 500
	QueryBufferSize = 500
	<Network test>
		Server = 127.0.0.1 ${options.ircPort}
		FloodRate = 100
		FloodBurst = 100
${channels}
	</Network>
</User>
`;
}

// A port nothing listens on right now; ZNC binds it a moment later.
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
