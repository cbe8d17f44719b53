import { performance } from "node:perf_hooks";
import { helloFor, instanceIdFor, MARKER_SEQ } from "./fleet-agent.js";
import type { FloodRequest, FloodResult } from "./fleet-protocol.js";
import { encode, fleet, liveAgents, sleep } from "./fleet-state.js";

/** Writes per agent before the flood yields to the event loop. */
const PUMP_BURST = 32;

/** Idle agents heartbeat on the interval the server chose in its welcome. */
export function startIdleHeartbeats(): void {
  const heartbeat = encode({ seq: 0, body: { $case: "heartbeat", value: { sentAt: new Date() } } });
  setInterval(() => {
    if (!fleet.idleHeartbeats) return;
    const now = performance.now();
    for (const agent of fleet.agents) agent.session.beatIfDue(now, heartbeat);
  }, 250).unref();
}

/**
 * Every agent writes heartbeats as fast as its stream accepts them (write() returning false stops it until
 * 'drain'), for `seconds`. Then each agent sends a marker (a second hello) and waits for its Rejection: the
 * server handles a stream's messages in order, so once every marker is answered, every heartbeat counted here
 * has been handled by the server's AgentService handler. Rate = heartbeats / (first write → last answer).
 */
export async function flood(request: FloodRequest): Promise<FloodResult> {
  const agents = liveAgents();
  if (agents.length === 0) throw new Error("no connected agents");
  fleet.idleHeartbeats = false;
  const heartbeat = encode({ seq: 1, body: { $case: "heartbeat", value: { sentAt: new Date() } } });
  const marker = encode({ seq: MARKER_SEQ, body: { $case: "hello", value: helloFor(0, instanceIdFor(0)) } });
  let running = true;
  let heartbeats = 0;
  const started = performance.now();
  for (const agent of agents) {
    // grpc-js completes writes on process.nextTick while its per-call buffer has room, so a pump that wrote
    // again straight from 'drain' would starve the event loop: every burst goes back through setImmediate.
    const resume = () => setImmediate(pump);
    const pump = () => {
      for (let burst = 0; running && !agent.ended; burst++) {
        if (burst === PUMP_BURST) {
          resume();
          return;
        }
        const stream = agent.session.stream;
        if (!stream) return;
        heartbeats++;
        if (!stream.write(heartbeat)) {
          stream.once("drain", resume);
          return;
        }
      }
    };
    pump();
  }
  await sleep(request.seconds * 1000);
  running = false;
  const windowMs = performance.now() - started;
  await Promise.all(
    agents.map(
      (agent) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`agent ${agent.index}: no answer to the marker`)),
            60_000,
          );
          agent.markerWaiter = () => {
            clearTimeout(timer);
            agent.markerWaiter = undefined;
            resolve();
          };
          agent.session.writeEncoded(marker);
        }),
    ),
  );
  const elapsedMs = performance.now() - started;
  fleet.idleHeartbeats = true;
  return {
    agents: agents.length,
    heartbeats,
    elapsedMs,
    windowMs,
  };
}
