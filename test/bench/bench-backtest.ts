/**
 * `npm run bench:backtest`: the backtest over the shipped March-April prices with all five policies, as a user
 * runs it (the real CLI in a child process), timed end to end (start-up, reading the file, loading the model,
 * the replay). Writes bench-results/backtest-bench.json with the wall time and the per-policy results.
 *
 *   npm run bench:backtest -- [--runs 3] [--out bench-results/backtest-bench.json]
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs, promisify } from "node:util";
import { REPO_ROOT } from "../support/server-process.js";

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    out: { type: "string", default: "bench-results/backtest-bench.json" },
  },
});
const args = [
  "src/bin/spot-optimizer.js",
  "backtest",
  "--prices",
  "test/fixtures/market/spot-prices-us-east-1-2021-03-04.csv.gz",
  "--policy",
  "all",
];
const dir = mkdtempSync(join(tmpdir(), "bench-backtest-"));
const seconds: number[] = [];
let results: unknown = null;
try {
  for (let i = 0; i < Number(values.runs); i++) {
    const json = join(dir, `run-${i}.json`);
    const started = performance.now();
    await run(process.execPath, [...args, "--json", json], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
    seconds.push(Math.round((performance.now() - started) / 100) / 10);
    results = JSON.parse(readFileSync(json, "utf8"));
    process.stdout.write(`run ${i + 1}: ${seconds[i]} s\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const out = resolve(REPO_ROOT, values.out as string);
mkdirSync(dirname(out), { recursive: true });
const report = {
  command: `spot-optimizer ${args.slice(1).join(" ")}`,
  wallSeconds: seconds,
  limitSeconds: 60,
  machine: { cpus: cpus().length, loadAverage: loadavg().map((value) => Math.round(value * 100) / 100) },
  results,
};
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`wall time ${seconds.join(" / ")} s (limit 60 s) -> ${relative(process.cwd(), out)}\n`);
