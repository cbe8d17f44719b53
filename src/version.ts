import { existsSync, readFileSync } from "node:fs";

/** package.json is one level up from src/, two from the compiled dist/src/. */
function packageJsonUrl(): URL {
  const near = new URL("../package.json", import.meta.url);
  return existsSync(near) ? near : new URL("../../package.json", import.meta.url);
}

/** The package version, read once at start-up. */
export const VERSION: string = (JSON.parse(readFileSync(packageJsonUrl(), "utf8")) as { version: string })
  .version;

/** "dist" when this is the compiled release (npm run build), "sources" when tsx runs the TypeScript. */
export const RUNNING_FROM: "dist" | "sources" = import.meta.url.endsWith(".ts") ? "sources" : "dist";
