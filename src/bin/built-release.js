// Which code the `spot-optimizer` command runs: the compiled release in dist/ (npm run build) when it is there and
// newer than every source file, else nothing (the caller runs the TypeScript sources through tsx). Plain
// JavaScript: it runs before any TypeScript loader.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Written last by the build, so its time is when the release was complete. */
export const BUILD_STAMP = join(ROOT, "dist", "build-stamp.json");
export const BUILT_CLI = join(ROOT, "dist", "src", "cli.js");

function newestChange(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestChange(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** "built", "stale" (a source changed after the build: a pull or an edit) or "absent". */
export function releaseState() {
  if (!existsSync(BUILD_STAMP) || !existsSync(BUILT_CLI)) return "absent";
  const builtAt = statSync(BUILD_STAMP).mtimeMs;
  const sources = ["src", "gen", "package.json"].map((name) => join(ROOT, name));
  const changed = Math.max(
    ...sources.map((path) => (statSync(path).isDirectory() ? newestChange(path) : statSync(path).mtimeMs)),
  );
  return changed > builtAt ? "stale" : "built";
}
