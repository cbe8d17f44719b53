// `npm run build`: compiles src/ and gen/ into dist/ with tsc, copies the files the code reads at run time (price
// tables, the model, the dashboard's assets), then writes the stamp that tells the `spot-optimizer` command the
// release is complete (src/bin/built-release.js).
import { spawnSync } from "node:child_process";
import { cpSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { extname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DIST = join(ROOT, "dist");
const COMPILED = new Set([".ts", ".tsx"]);
/** The command's own launcher stays in src/bin: it chooses between dist/ and the sources. */
const NOT_COPIED = [join(ROOT, "src", "bin")];

function runtimeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (NOT_COPIED.includes(path)) return [];
    if (entry.isDirectory()) return runtimeFiles(path);
    return COMPILED.has(extname(entry.name)) ? [] : [path];
  });
}

const started = Date.now();
rmSync(DIST, { recursive: true, force: true });
const tsc = spawnSync(
  process.execPath,
  [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
  {
    cwd: ROOT,
    stdio: "inherit",
  },
);
if (tsc.status !== 0) {
  rmSync(DIST, { recursive: true, force: true });
  process.stderr.write("build failed: tsc reported errors, dist/ removed\n");
  process.exit(1);
}
const copied = runtimeFiles(join(ROOT, "src"));
for (const file of copied) cpSync(file, join(DIST, relative(ROOT, file)));
writeFileSync(
  join(DIST, "build-stamp.json"),
  `${JSON.stringify({ builtAt: new Date().toISOString(), node: process.version }, null, 2)}\n`,
);
process.stdout.write(
  `built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s (${copied.length} runtime files copied); run it with node ${relative(process.cwd(), join(DIST, "src", "cli.js"))} serve\n`,
);
