/**
 * The browser's files: the islands bundle (`deno bundle` of
 * `islands/client.ts`) and the stylesheet, each under a URL holding a hash of
 * its content so browsers may cache it for good; built at start
 * ({@link buildAssets}), rebuilt under `deno task dev` ({@link AssetStore.watch}).
 *
 * @module
 */
import { ircColourCss } from "./ircFormat.ts";
import { errorMessage, logger } from "./log.ts";

/** One built file. */
export interface Asset {
  /** Where it is served, hash included: `/assets/islands-<hash>.js`. */
  url: string;
  contentType: string;
  body: Uint8Array;
}

/** The browser files of one build. */
export interface AssetBundle {
  script: Asset;
  style: Asset;
}

/** Where the served files live: `/assets/<name>-<hash>.<ext>`. */
export const ASSET_PREFIX = "/assets/";

const log = logger("assets");
const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const encoder = new TextEncoder();

/** Builds the islands bundle and the stylesheet from the project at `root`. */
export async function buildAssets(root = ROOT): Promise<AssetBundle> {
  const [script, css] = await Promise.all([bundleIslands(root), Deno.readTextFile(`${root}/static/app.css`)]);
  return {
    script: await asset("islands", "js", "text/javascript; charset=utf-8", script),
    style: await asset("app", "css", "text/css; charset=utf-8", encoder.encode(css + "\n" + ircColourCss())),
  };
}

/**
 * Runs `deno bundle` on the islands' entry: a single ES module for
 * browsers, minified. The subprocess resolves `npm:preact` from the
 * project's `node_modules`, so it needs no network.
 */
async function bundleIslands(root: string): Promise<Uint8Array> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      `--config=${root}/deno.json`,
      "--platform=browser",
      "--format=esm",
      "--minify",
      `${root}/islands/client.ts`,
    ],
    cwd: root,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success || output.stdout.length === 0) {
    throw new Error(
      `deno bundle of islands/client.ts failed: ${new TextDecoder().decode(output.stderr).trim()}`,
    );
  }
  return output.stdout;
}

async function asset(name: string, ext: string, contentType: string, body: Uint8Array): Promise<Asset> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body as Uint8Array<ArrayBuffer>));
  const hash = Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
  return { url: `${ASSET_PREFIX}${name}-${hash}.${ext}`, contentType, body };
}

/** Holds the current build, and rebuilds it on request or when sources change. */
export class AssetStore {
  #current: AssetBundle;
  readonly #root: string;
  #watcher: Deno.FsWatcher | undefined;
  #rebuildTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(bundle: AssetBundle, root: string) {
    this.#current = bundle;
    this.#root = root;
  }

  /** Builds the assets of the project at `root` (this project by default). */
  static async build(root = ROOT): Promise<AssetStore> {
    return new AssetStore(await buildAssets(root), root);
  }

  /** The current build. */
  get current(): AssetBundle {
    return this.#current;
  }

  /** The file served at `url`, if it belongs to the current build. */
  find(url: string): Asset | undefined {
    const { script, style } = this.#current;
    return url === script.url ? script : url === style.url ? style : undefined;
  }

  /** Builds again; on failure the previous build stays and the error is thrown. */
  async rebuild(): Promise<void> {
    this.#current = await buildAssets(this.#root);
  }

  /**
   * Rebuilds after changes under `islands/`, `static/` or `lib/` (for
   * `deno task dev`), a burst of changes making one rebuild. A failed
   * build is logged and the previous one stays.
   */
  watch(): void {
    if (this.#watcher) return;
    const folders = ["islands", "static", "lib"].map((d) => `${this.#root}/${d}`).filter(isFolder);
    const watcher = Deno.watchFs(folders);
    this.#watcher = watcher;
    (async () => {
      for await (const _event of watcher) {
        clearTimeout(this.#rebuildTimer);
        this.#rebuildTimer = setTimeout(() => {
          this.rebuild().then(
            () => log.info(`rebuilt ${this.#current.script.url} and ${this.#current.style.url}`),
            (error) => log.error(errorMessage(error)),
          );
        }, 100);
      }
    })().catch((error) => log.warn(`watching stopped: ${errorMessage(error)}`));
  }

  /** Stops watching. */
  close(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    clearTimeout(this.#rebuildTimer);
  }
}

function isFolder(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

let shared: Promise<AssetStore> | undefined;

/**
 * The process's asset store, built on first use: for app instances that
 * were not handed one (tests build it once per process this way).
 */
export function sharedAssetStore(): Promise<AssetStore> {
  shared ??= AssetStore.build().catch((error) => {
    shared = undefined;
    throw error;
  });
  return shared;
}
