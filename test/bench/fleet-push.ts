import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import type { FleetAgent } from "./fleet-agent.js";
import type { PushRequest, PushResult } from "./fleet-protocol.js";
import { encode, fleet, liveAgents, requireTarget, sleep } from "./fleet-state.js";

/** How often the background heartbeats are sent, in batches: the rate is what matters, not its grain. */
const HEARTBEAT_TICK_MS = 10;

/**
 * Heartbeats at `perSecond` on the agents' streams, round robin, until stopped: the issue's "2,000 heartbeats/s
 * at the same time" as pushes. Each tick sends what the elapsed time owes, so a late tick catches up.
 */
function backgroundHeartbeats(agents: readonly FleetAgent[], perSecond: number): () => number {
  if (perSecond <= 0) return () => 0;
  const heartbeat = encode({ seq: 0, body: { $case: "heartbeat", value: { sentAt: new Date() } } });
  const started = performance.now();
  let sent = 0;
  let next = 0;
  const timer = setInterval(() => {
    const owed = Math.floor(((performance.now() - started) / 1000) * perSecond) - sent;
    for (let index = 0; index < owed; index++) {
      const agent = agents[next++ % agents.length] as FleetAgent;
      if (!agent.ended) agent.session.writeEncoded(heartbeat);
      sent++;
    }
  }, HEARTBEAT_TICK_MS);
  return () => {
    clearInterval(timer);
    return sent;
  };
}

/**
 * REST force-switches at a fixed rate (open loop: a slow answer does not delay the next request) to random
 * connected agents. Latency = the agent's receipt of the command − the moment just before fetch() was called.
 */
export async function push(request: PushRequest): Promise<PushResult> {
  const target = requireTarget();
  const agents = liveAgents();
  if (agents.length === 0) throw new Error("no connected agents");
  fleet.commandReceivedAt.clear();
  const total = request.warmup + request.samples;
  const intervalMs = 1000 / request.rate;
  const sentAt = new Map<string, number>();
  const restMs: number[] = [];
  const measured = new Set<string>();
  let errors = 0;
  let firstError: string | null = null;
  const inFlight: Promise<void>[] = [];
  const issue = async (sequence: number) => {
    const agent = agents[Math.floor(Math.random() * agents.length)] as FleetAgent;
    const t0 = performance.now();
    try {
      const response = await fetch(
        `${target.httpUrl}/api/client/instances/${agent.instanceId}/force-switch`,
        {
          method: "POST",
          headers: { authorization: `Bearer ${target.clientToken}`, "content-type": "application/json" },
          body: JSON.stringify({ target: "pool", pool_id: "m5.large.us-east-1b" }),
        },
      );
      const text = await response.text();
      const t1 = performance.now();
      if (response.status !== 201) throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
      const commandId = (JSON.parse(text) as { command_id: string }).command_id;
      sentAt.set(commandId, t0);
      if (sequence >= request.warmup) {
        measured.add(commandId);
        restMs.push(t1 - t0);
      }
    } catch (error) {
      errors++;
      firstError ??= (error as Error).message;
    }
  };
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const stopHeartbeats = backgroundHeartbeats(agents, request.heartbeatsPerSecond);
  const start = performance.now() + 20;
  for (let sequence = 0; sequence < total; sequence++) {
    await sleep(start + sequence * intervalMs - performance.now());
    inFlight.push(issue(sequence));
  }
  const issuedMs = performance.now() - start;
  const heartbeatsSent = stopHeartbeats();
  await Promise.all(inFlight);
  // Every issued command must reach its agent; wait a little for stragglers.
  const deadline = performance.now() + 10_000;
  while ([...sentAt.keys()].some((id) => !fleet.commandReceivedAt.has(id)) && performance.now() < deadline) {
    await sleep(20);
  }
  loopDelay.disable();
  const latenciesMs: number[] = [];
  const slowest: Array<{ atMs: number; latencyMs: number }> = [];
  let lost = 0;
  for (const commandId of measured) {
    const receivedAt = fleet.commandReceivedAt.get(commandId);
    const sent = sentAt.get(commandId) as number;
    if (receivedAt === undefined) lost++;
    else {
      latenciesMs.push(receivedAt - sent);
      slowest.push({
        atMs: Math.round(sent - start),
        latencyMs: Math.round((receivedAt - sent) * 100) / 100,
      });
    }
  }
  slowest.sort((a, b) => b.latencyMs - a.latencyMs);
  return {
    latenciesMs,
    restMs,
    issued: total,
    errors,
    firstError,
    lost,
    checkedStates: await checkCompleted([...measured].slice(-25)),
    elapsedMs: issuedMs,
    slowest: slowest.slice(0, 10),
    // The histogram holds the time between samples: the delay is what exceeds the 10 ms sampling interval.
    fleetEventLoopDelayMs: {
      p99: Math.max(0, loopDelay.percentile(99) / 1e6 - 10),
      max: Math.max(0, loopDelay.max / 1e6 - 10),
    },
    achievedRate: (total - 1) / (issuedMs / 1000),
    heartbeatsPerSecond: heartbeatsSent / (issuedMs / 1000),
  };
}

/** Reads commands back over REST until they leave the in-flight states (acks and results are asynchronous). */
async function checkCompleted(commandIds: readonly string[]): Promise<Record<string, number>> {
  const target = requireTarget();
  const states: Record<string, number> = {};
  const deadline = performance.now() + 5_000;
  for (const commandId of commandIds) {
    let state = "unknown";
    for (;;) {
      const response = await fetch(`${target.httpUrl}/api/client/commands/${commandId}`, {
        headers: { authorization: `Bearer ${target.clientToken}` },
      });
      state = response.ok
        ? String(((await response.json()) as { state: string }).state)
        : `HTTP ${response.status}`;
      if (state === "completed" || state === "failed" || performance.now() > deadline) break;
      await sleep(50);
    }
    states[state] = (states[state] ?? 0) + 1;
  }
  return states;
}
