// Preloaded into the benchmark's server process only (node --expose-gc --import <this file>); it does not touch
// the application. On SIGUSR2 it prints one JSON line: the event-loop delay since the previous SIGUSR2 (then
// resets it), and the memory after full garbage collections, so the benchmark can read a settled RSS and tell a
// server stall from a fleet stall.
import { appendFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";

const RESOLUTION_MS = 10;
const loopDelay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
loopDelay.enable();

// SPOT_BENCH_STALLS=<ms> and SPOT_BENCH_STALLS_FILE=<path>: at each probe, append to that file when each stall
// longer than that ended (monotonic µs, the clock of a --cpu-prof profile) and how long it was, so a profile's
// stacks can be read over exactly those windows.
const stallMs = Number(process.env.SPOT_BENCH_STALLS ?? 0);
const stallFile = process.env.SPOT_BENCH_STALLS_FILE;
let stalls = [];
if (stallMs > 0) {
  const TICK_MS = 2;
  let last = process.hrtime.bigint();
  setInterval(() => {
    const now = process.hrtime.bigint();
    const lateMs = Number(now - last) / 1e6 - TICK_MS;
    if (lateMs > stallMs) stalls.push({ endUs: Number(now / 1000n), ms: Math.round(lateMs * 10) / 10 });
    last = now;
  }, TICK_MS).unref();
}

process.on("SIGUSR2", () => {
  // The histogram holds the time between samples: the delay is what exceeds the sampling interval.
  const ms = (ns) => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 100) / 100);
  const delay = {
    p50: ms(loopDelay.percentile(50)),
    p99: ms(loopDelay.percentile(99)),
    max: ms(loopDelay.max),
  };
  const gc = globalThis.gc;
  gc?.();
  setTimeout(() => {
    gc?.();
    // Reset after the forced collections: their pause is the probe's own, not the server's, and would otherwise
    // open the next window's figures.
    loopDelay.reset();
    if (stallFile && stalls.length > 0) appendFileSync(stallFile, `${JSON.stringify(stalls)}\n`);
    stalls = [];
    const memory = process.memoryUsage();
    process.stdout.write(
      `${JSON.stringify({
        bench: "probe",
        eventLoopDelayMs: delay,
        collected: typeof gc === "function",
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        heapTotal: memory.heapTotal,
        external: memory.external,
        arrayBuffers: memory.arrayBuffers,
      })}\n`,
    );
  }, 200);
});
