import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { extname } from "node:path";

export interface StaticAsset {
  body: string;
  contentType: string;
  etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
};

/**
 * Files of pinned npm packages served beside our own assets, under these names: the charts' library (uPlot) as
 * an ES module and its stylesheet. Read from node_modules at start, so the page needs no CDN and no internet.
 */
export const VENDOR_ASSETS: Record<string, string> = {
  "uplot.esm.js": "uplot/dist/uPlot.esm.js",
  "uplot.min.css": "uplot/dist/uPlot.min.css",
};

function asset(name: string, body: string): StaticAsset | null {
  const contentType = CONTENT_TYPES[extname(name)];
  if (!contentType) return null;
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
  return { body, contentType, etag };
}

/**
 * The dashboard's CSS, scripts and icon (all text), read once from `assets/` beside this file, and the vendor
 * files above, served by the app itself (no CDN, no build step). Each has a content hash as its ETag, so a
 * browser revalidates cheaply.
 */
export function loadStaticAssets(
  directory = new URL("./assets/", import.meta.url),
): Map<string, StaticAsset> {
  const assets = new Map<string, StaticAsset>();
  for (const name of readdirSync(directory)) {
    const loaded = asset(name, readFileSync(new URL(name, directory), "utf8"));
    if (loaded) assets.set(name, loaded);
  }
  const require = createRequire(import.meta.url);
  for (const [name, file] of Object.entries(VENDOR_ASSETS)) {
    const loaded = asset(name, readFileSync(require.resolve(file), "utf8"));
    if (loaded) assets.set(name, loaded);
  }
  return assets;
}
