/**
 * `GET /assets/<name>-<hash>.<ext>`: the islands bundle and the stylesheet
 * of the current build (`lib/assets.ts`). Their URLs change with their
 * content, so they are cached for a year and never revalidated; a URL of
 * an earlier build answers `404`.
 *
 * @module
 */
import { Hono } from "hono";
import { ASSET_PREFIX, type AssetStore } from "../lib/assets.ts";

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
  return app;
}
