/**
 * A real IRC server for interop tests: Debian's `ngircd`, run in the
 * foreground (`-n`) on a free loopback port with a configuration of its own in
 * a temporary folder. It can be stopped and started again on the same port,
 * which is how the tests take the network away from a worker.
 *
 * Started as root, ngircd drops to `nobody` by itself after reading its
 * configuration. Its penalties (a client sending more than about 3 commands a
 * second is slowed down) are turned off, so what the tests measure is the
 * worker's own pace; DNS and ident lookups are off so that registration does
 * not wait for them.
 *
 * @module
 */

/** The ngircd binary (Debian's package installs it here). */
export const NGIRCD = "/usr/sbin/ngircd";

/** Options of {@link createNgircd}. */
export interface NgircdOptions {
  /** A server password every client must send (`PASS`). */
  password?: string;
}

/** An ngircd of one test. */
export interface Ngircd {
  /** Its loopback port, the same across restarts. */
  readonly port: number;
  /** Whether it runs now. */
  readonly running: boolean;
  /** Starts it and resolves once it listens. */
  start(): Promise<void>;
  /** Stops it (SIGTERM, then SIGKILL) and resolves once it has exited. */
  stop(): Promise<void>;
  /** Everything it logged, over all its runs. */
  log(): string;
  /** How many client connections it accepted, over all its runs. */
  connections(): number;
  /** Stops it and removes its folder. */
  close(): Promise<void>;
}

/** Prepares an ngircd on a free port without starting it. */
export async function createNgircd(options: NgircdOptions = {}): Promise<Ngircd> {
  const port = freePort();
  const dir = await Deno.makeTempDir({ prefix: "ircweb-ngircd-" });
  const config = `${dir}/ngircd.conf`;
  await Deno.writeTextFile(config, configuration(port, options));

  let child: Deno.ChildProcess | undefined;
  let exited: Promise<unknown> | undefined;
  let text = "";
  const listening = new RegExp(`Now listening on \\[127\\.0\\.0\\.1\\]:${port}\\b`);

  const stop = async () => {
    if (!child) return;
    const running = child;
    child = undefined;
    try {
      running.kill("SIGTERM");
    } catch { /* already gone */ }
    const timer = setTimeout(() => {
      try {
        running.kill("SIGKILL");
      } catch { /* gone */ }
    }, 5000);
    await exited;
    clearTimeout(timer);
  };

  return {
    port,
    get running() {
      return child !== undefined;
    },
    async start() {
      if (child) return;
      const process = new Deno.Command(NGIRCD, {
        args: ["-n", "-f", config],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      child = process;
      const ready = Promise.withResolvers<void>();
      const read = async (stream: ReadableStream<Uint8Array>) => {
        const decoder = new TextDecoder();
        for await (const chunk of stream) {
          text += decoder.decode(chunk, { stream: true });
          if (listening.test(text.slice(text.lastIndexOf("starting ...")))) ready.resolve();
        }
      };
      const reading = Promise.all([read(process.stdout), read(process.stderr)]);
      exited = Promise.all([process.status, reading]).then(([status]) => {
        if (child === process) child = undefined;
        ready.reject(new Error(`ngircd exited (${status.code}) before listening:\n${text}`));
      });
      const timer = setTimeout(
        () => ready.reject(new Error(`ngircd did not listen within 10 s:\n${text}`)),
        10_000,
      );
      try {
        await ready.promise;
      } catch (error) {
        await stop();
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
    stop,
    log: () => text,
    connections: () => text.match(/Accepted connection /g)?.length ?? 0,
    async close() {
      await stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Starts an ngircd on a free port. */
export async function startNgircd(options: NgircdOptions = {}): Promise<Ngircd> {
  const server = await createNgircd(options);
  try {
    await server.start();
  } catch (error) {
    await server.close();
    throw error;
  }
  return server;
}

function configuration(port: number, options: NgircdOptions): string {
  return `[Global]
	Name = irc.test.local
	Info = ircweb test server
	AdminInfo1 = ircweb tests
	AdminInfo2 = loopback
	AdminEMail = tests@irc.test.local
	Listen = 127.0.0.1
	Ports = ${port}
	MotdPhrase = "ircweb test server"
${options.password === undefined ? "" : `\tPassword = ${options.password}\n`}
[Limits]
	MaxConnectionsIP = 0
	MaxJoins = 0
	MaxNickLength = 30
	MaxPenaltyTime = 0
	PingTimeout = 120
	PongTimeout = 20

[Options]
	DNS = no
	Ident = no
	PAM = no
`;
}

// A port nothing listens on right now; ngircd binds it a moment later.
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
