/**
 * `GET /assets/<name>-<hash>.<ext>`: the islands bundle and the stylesheet
 * of the current build (`lib/assets.ts`), cached for a year (their URLs
 * change with their content). And the files at fixed URLs an installed app
 * needs: the service worker `/sw.js`, `/manifest.webmanifest`, `/icons/*`.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { ASSET_PREFIX, type AssetStore } from "../lib/assets.ts";

const STATIC = new URL("../static/", import.meta.url);
const ICON_CACHE = "public, max-age=86400";

/** A file of `static/` served at a fixed URL: its type and how long it may be cached. */
export interface FixedFile {
  file: string;
  type: string;
  cache: string;
}

// Served at the URL of its own path below `static/`.
function fixedFile(file: string, type: string, cache: string): [string, FixedFile] {
  return [`/${file}`, { file, type, cache }];
}

/**
 * The files served from `static/` at fixed URLs, with their type and how
 * long they may be cached: the service worker and the manifest are looked
 * at again at every use, so a new version reaches browsers at once.
 */
export const FIXED_FILES: Readonly<Record<string, FixedFile>> = Object.fromEntries([
  fixedFile("sw.js", "text/javascript; charset=utf-8", "no-cache"),
  fixedFile("manifest.webmanifest", "application/manifest+json", "no-cache"),
  ...["icon-192.png", "icon-512.png", "maskable-512.png"].map((name) =>
    fixedFile(`icons/${name}`, "image/png", ICON_CACHE)
  ),
  fixedFile("icons/icon.svg", "image/svg+xml", ICON_CACHE),
]);

/** How browsers and proxies may cache a hashed asset. */
export const IMMUTABLE_CACHE = "public, max-age=31536000, immutable";

/** The asset routes; `store` resolves to the app's asset store. */
export function assetRoutes(store: () => Promise<AssetStore>): Hono {
  const app = new Hono();
  app.get(`${ASSET_PREFIX}:file`, async (c) => {
    const asset = (await store()).find(c.req.path);
    if (!asset) return c.text("Not found", 404);
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, {
      "content-type": asset.contentType,
      "cache-control": IMMUTABLE_CACHE,
    });
  });
  // Read once: they are part of the app's source, like the bundle.
  const read = new Map<string, Promise<Uint8Array>>();
  const serve = async (c: Context, path: string) => {
    const fixed = Object.hasOwn(FIXED_FILES, path) ? FIXED_FILES[path] : undefined;
    if (!fixed) return c.text("Not found", 404);
    let body = read.get(fixed.file);
    if (!body) {
      body = Deno.readFile(new URL(fixed.file, STATIC));
      read.set(fixed.file, body);
      body.catch(() => read.delete(fixed.file));
    }
    const headers: Record<string, string> = { "content-type": fixed.type, "cache-control": fixed.cache };
    // The worker's scope is the whole app, which its place at the root already gives.
    if (path === "/sw.js") headers["service-worker-allowed"] = "/";
    return c.body((await body) as Uint8Array<ArrayBuffer>, 200, headers);
  };
  app.get("/sw.js", (c) => serve(c, "/sw.js"));
  app.get("/manifest.webmanifest", (c) => serve(c, "/manifest.webmanifest"));
  app.get("/icons/:file", (c) => serve(c, `/icons/${c.req.param("file")}`));
  return app;
}
