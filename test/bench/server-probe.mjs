// Preloaded into the benchmark's server process only (node --expose-gc --import <this file>); it does not touch
// the application. On SIGUSR2 it prints one JSON line: the event-loop delay since the previous SIGUSR2 (then
// resets it), and the memory after full garbage collections, so the benchmark can read a settled RSS and tell a
// server stall from a fleet stall.
import { monitorEventLoopDelay } from "node:perf_hooks";

const RESOLUTION_MS = 10;
const loopDelay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
loopDelay.enable();

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
