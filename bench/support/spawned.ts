/**
 * A child process whose output is kept for its log, and stopped politely:
 * the servers the bench and the tests start (InspIRCd, Anope) and the app
 * itself. Here rather than under `tests/support/` so the bench needs
 * nothing of the tests to start a server.
 *
 * @module
 */

/** What a child printed, read as it comes. */
export interface CollectedOutput {
  /** Its stdout and stderr so far, interleaved as they came: the latest `keep` to `2 * keep` characters. */
  text(): string;
  /** Resolves once both streams have ended (or failed). */
  readonly done: Promise<void>;
}

/** Reads `child`'s piped stdout and stderr into one text, keeping the latest `keep` characters. */
export function collectOutput(child: Deno.ChildProcess, keep: number): CollectedOutput {
  let text = "";
  const read = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      // A long run (the bench) keeps only the latest part; trimmed in steps, not at each chunk.
      if (text.length > 2 * keep) text = text.slice(-keep);
    }
  };
  const done = Promise.all([read(child.stdout), read(child.stderr)]).then(() => {}, () => {});
  return { text: () => text, done };
}

/** Sends `child` SIGTERM, SIGKILL if `exited` has not resolved after `graceMs`, and waits for `exited`. */
export async function terminate(
  child: Deno.ChildProcess,
  exited: Promise<unknown>,
  graceMs: number,
): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch { /* gone */ }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

/** A spawned server, see {@link spawnServer}. */
export interface SpawnedServer {
  /** Its exit status. */
  readonly status: Promise<Deno.CommandStatus>;
  /** Whether it has exited. */
  exited(): boolean;
  /** What it printed so far (the latest 50,000 characters or more). */
  printed(): string;
  /** Stops it (SIGTERM, then SIGKILL after 5 s) and waits until its output is read; once. */
  stop(): Promise<void>;
}

/**
 * Spawns `binary` with `args`, stdin closed and its output collected. A
 * missing binary throws `missing` (how to install it) as the error's message.
 */
export function spawnServer(binary: string, args: string[], missing: string): SpawnedServer {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(binary, { args, stdin: "null", stdout: "piped", stderr: "piped" }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new Error(missing);
    throw error;
  }
  const output = collectOutput(child, 50_000);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  let stopping: Promise<void> | undefined;
  return {
    status,
    exited: () => exited,
    printed: output.text,
    stop: () =>
      stopping ??= (async () => {
        if (!exited) await terminate(child, status, 5000);
        await output.done;
      })(),
  };
}
