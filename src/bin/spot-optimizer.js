#!/usr/bin/env node
// Entry point of the `spot-optimizer` command: the compiled release (dist/, `npm run build`) when it is up to
// date, else the TypeScript sources through tsx, so a fresh clone runs without a build step. The server's
// "listening" log line says which ran (code: "dist" or "sources").
import { pathToFileURL } from "node:url";
import { BUILT_CLI, releaseState } from "./built-release.js";

if (releaseState() === "built") {
  await import(pathToFileURL(BUILT_CLI).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../cli.ts");
}
