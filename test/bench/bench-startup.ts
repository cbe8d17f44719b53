/**
 * `npm run bench:startup`: start-up to healthy and resident memory of `spot-optimizer serve`, run by tsx from the
 * TypeScript sources (what `npm start` runs without a build) against the compiled release (`npm run build`, what
 * the systemd unit runs), runs interleaved, medians printed and written to bench-results/startup-bench.json.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "../support/cli-process.js";
import { freePort } from "../support/free-port.js";
import { median, renderTable, round } from "./stats.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "7" },
    settle: { type: "string", default: "3000" },
    help: { type: "boolean" },
  },
});
if (values.help) {
  process.stdout.write(
    "npm run bench:startup [-- --runs N (7) --settle MS (3000: wait after healthy before reading memory)]\n",
  );
  process.exit(0);
}
const RUNS = Number(values.runs);
const SETTLE_MS = Number(values.settle);

const MODES = {
  tsx: ["--import", "tsx", join(REPO_ROOT, "src/cli.ts")],
  built: [join(REPO_ROOT, "dist/src/cli.js")],
} as const;
type Mode = keyof typeof MODES;

function memoryKb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(status)?.[1]);
  return { rss: field("VmRSS"), peak: field("VmHWM") };
}

async function healthy(url: string, child: ChildProcess, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("not healthy within 60 s");
}

async function measure(mode: Mode) {
  const dataDir = mkdtempSync(join(tmpdir(), "spot-startup-"));
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      ...MODES[mode],
      "serve",
      "--grpc-addr",
      `127.0.0.1:${grpcPort}`,
      "--http-addr",
      `127.0.0.1:${httpPort}`,
      "--data-dir",
      dataDir,
    ],
    { stdio: "ignore", env: { ...process.env, SPOT_LOG_LEVEL: "warn" } },
  );
  try {
    await healthy(`http://127.0.0.1:${httpPort}/health`, child, Date.now() + 60_000);
    const startupMs = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const memory = memoryKb(child.pid as number);
    return { startupMs, rssMb: memory.rss / 1024, peakRssMb: memory.peak / 1024 };
  } finally {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: REPO_ROOT, stdio: "inherit" });
if (build.status !== 0) process.exit(1);

const samples: Record<Mode, Array<Awaited<ReturnType<typeof measure>>>> = { tsx: [], built: [] };
// A first run of each warms the page cache, so that neither side pays for cold disk reads.
for (const mode of Object.keys(MODES) as Mode[]) await measure(mode);
for (let run = 1; run <= RUNS; run += 1) {
  for (const mode of Object.keys(MODES) as Mode[]) {
    const sample = await measure(mode);
    samples[mode].push(sample);
    process.stdout.write(
      `run ${run} ${mode}: ${round(sample.startupMs, 0)} ms, ${round(sample.rssMb, 1)} MB\n`,
    );
  }
}

const summary = Object.fromEntries(
  (Object.keys(MODES) as Mode[]).map((mode) => [
    mode,
    {
      startupMs: round(median(samples[mode].map((s) => s.startupMs)), 0),
      rssMb: round(median(samples[mode].map((s) => s.rssMb)), 1),
      peakRssMb: round(median(samples[mode].map((s) => s.peakRssMb)), 1),
    },
  ]),
) as Record<Mode, { startupMs: number; rssMb: number; peakRssMb: number }>;
process.stdout.write(
  `\n${renderTable([
    ["", "start-up to healthy (median)", "resident memory when idle (median)", "peak resident (median)"],
    ...(Object.keys(MODES) as Mode[]).map((mode) => [
      mode === "tsx" ? "tsx (sources)" : "built (dist/)",
      `${summary[mode].startupMs} ms`,
      `${summary[mode].rssMb} MB`,
      `${summary[mode].peakRssMb} MB`,
    ]),
  ])}\nbuilt / tsx: start-up ${round(summary.built.startupMs / summary.tsx.startupMs, 2)}, memory ${round(summary.built.rssMb / summary.tsx.rssMb, 2)} (${RUNS} runs each, interleaved)\n`,
);
mkdirSync(join(REPO_ROOT, "bench-results"), { recursive: true });
writeFileSync(
  join(REPO_ROOT, "bench-results/startup-bench.json"),
  `${JSON.stringify({ runs: RUNS, settleMs: SETTLE_MS, node: process.version, summary, samples }, null, 2)}\n`,
);
