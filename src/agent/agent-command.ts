import { createPinoLogger } from "../logging/pino-logger.js";
import { rateLimitedLogger } from "../logging/rate-limited-logger.js";
import { Agent } from "./agent.js";
import type { AgentSettings } from "./agent-settings.js";

/** `spot-optimizer agent` with its settings: exit 0 when it retires or is stopped, 1 when it cannot start. */
export async function runAgent(settings: AgentSettings): Promise<void> {
  const logger = rateLimitedLogger(createPinoLogger(settings.logLevel, { service: "spot-optimizer-agent" }));
  let agent: Agent;
  try {
    agent = await Agent.create(settings, logger);
  } catch (error) {
    logger.error("agent could not start", { error: (error as Error).message });
    process.exit(1);
  }
  const stop = (signal: string) => {
    logger.info("stopping", { signal });
    void agent.stop(signal);
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  agent.start();
  const reason = await agent.done;
  logger.info("agent stopped", { reason });
  process.exit(0);
}
