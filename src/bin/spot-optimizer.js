#!/usr/bin/env node
// Entry point of the `spot-optimizer` command: the compiled release (dist/, `npm run build`) when it is up to
// date, else the TypeScript sources through tsx, so a fresh clone runs without a build step.
import { BUILT_CLI, releaseState } from "./built-release.js";

const state = releaseState();
if (state === "built") {
  await import(BUILT_CLI);
} else {
  if (state === "stale") {
    process.stderr.write(
      "spot-optimizer: dist/ is older than the sources, running them with tsx (npm run build)\n",
    );
  }
  const { register } = await import("tsx/esm/api");
  register();
  await import("../cli.ts");
}
