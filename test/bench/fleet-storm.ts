import type { StreamStats } from "../../src/agent/protocol/stream-stats.js";
import type { AwaitBackRequest, AwaitBackResult } from "./fleet-protocol.js";
import { fleet, sleep } from "./fleet-state.js";

const SAMPLE_MS = 250;

export function snapshotStats(): StreamStats {
  return { ...fleet.streamStats, otherErrors: { ...fleet.streamStats.otherErrors } };
}

function difference(after: StreamStats, before: StreamStats): StreamStats {
  const otherErrors: Record<string, number> = {};
  for (const [code, count] of Object.entries(after.otherErrors)) {
    const delta = count - (before.otherErrors[code] ?? 0);
    if (delta > 0) otherErrors[code] = delta;
  }
  return {
    attempts: after.attempts - before.attempts,
    welcomes: after.welcomes - before.welcomes,
    throttled: after.throttled - before.throttled,
    unavailable: after.unavailable - before.unavailable,
    otherErrors,
    handovers: after.handovers - before.handovers,
  };
}

let statsAtMark: StreamStats = snapshotStats();

/** The driver is about to restart the server: streams lost from now on are expected. */
export function markRestart(): { at: number } {
  fleet.expectingRestart = true;
  statsAtMark = snapshotStats();
  return { at: Date.now() };
}

/**
 * Waits until every agent has been welcomed again after `since` (Date.now() of the restart), sampling how many
 * are back every 250 ms; the stream outcomes counted since the mark say what the storm cost.
 */
export async function awaitBack(request: AwaitBackRequest): Promise<AwaitBackResult> {
  const total = fleet.agents.length;
  const timeline: Array<{ atMs: number; back: number }> = [];
  const deadline = Date.now() + request.timeoutMs;
  let back = 0;
  let allBackAt: number | null = null;
  for (;;) {
    back = 0;
    let lastWelcome = 0;
    for (const agent of fleet.agents) {
      if (agent.session.live && agent.session.lastWelcomedAt > request.since) {
        back++;
        lastWelcome = Math.max(lastWelcome, agent.session.lastWelcomedAt);
      }
    }
    timeline.push({ atMs: Date.now() - request.since, back });
    if (back === total) {
      allBackAt = lastWelcome;
      break;
    }
    if (Date.now() > deadline) break;
    await sleep(SAMPLE_MS);
  }
  fleet.expectingRestart = false;
  return {
    total,
    back,
    allBackAt,
    timeline,
    streams: difference(snapshotStats(), statsAtMark),
  };
}
