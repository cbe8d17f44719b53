/**
 * The simulated fleet's own process (started by the demo, src/sim/demo.ts): one JSON argument with the
 * control plane's address, the client token, the size of the fleet and the demo's clock. It reports its
 * counters to the parent over IPC every second and exits when the parent goes away.
 */

import { MarketReplay, SHIPPED_PRICE_FILE } from "../replay/market-replay.js";
import { MarketFeed } from "./market-feed.js";
import { ScaledClock } from "./scaled-clock.js";
import { SimFleet } from "./sim-fleet.js";

export interface SimFleetConfig {
  address: string;
  token: string;
  agents: number;
  region: string;
  speed: number;
  simStart: number;
  origin: number;
  seed: number;
  interruptionBoost: number;
  priceFile?: string;
}

export type SimFleetReport =
  | { type: "ready"; agents: number }
  | { type: "stats"; counters: SimFleet["counters"]; streams: SimFleet["streams"] }
  | { type: "failed"; error: string };

const send = (message: SimFleetReport) => process.send?.(message);

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? "{}") as SimFleetConfig;
  const clock = new ScaledClock(config.speed, config.simStart, config.origin);
  const market = MarketReplay.fromFile(config.priceFile ?? SHIPPED_PRICE_FILE, { seed: config.seed });
  const feed = new MarketFeed(market, {
    simStart: config.simStart,
    interruptionBoost: config.interruptionBoost,
  });
  const fleet = new SimFleet(
    { address: config.address, token: config.token, agents: config.agents, region: config.region },
    feed,
    clock,
  );
  process.on("disconnect", () => {
    fleet.stop();
    process.exit(0);
  });
  await fleet.start();
  send({ type: "ready", agents: fleet.size });
  setInterval(() => send({ type: "stats", counters: fleet.counters, streams: fleet.streams }), 1_000);
}

if (!process.send) {
  process.stderr.write(
    "sim-fleet-process.ts is started by the demo (npm run demo): it needs an IPC channel\n",
  );
  process.exit(2);
}
main().catch((error: unknown) => {
  send({ type: "failed", error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
