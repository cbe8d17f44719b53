import { parseArgs } from "node:util";
import { SettingsError } from "../config/settings-error.js";
import { createPinoLogger } from "../logging/pino-logger.js";
import { rateLimitedLogger } from "../logging/rate-limited-logger.js";
import { Agent } from "./agent.js";
import { AGENT_SETTINGS_HELP, type AgentSettings, resolveAgentSettings } from "./agent-settings.js";

const BOOLEAN_FLAGS = new Set(["--tls", "--reregister"]);

export function agentHelp(): string {
  const rows = AGENT_SETTINGS_HELP.map(({ flag, env, fallback, description }) => {
    const name = BOOLEAN_FLAGS.has(flag) ? flag : `${flag} <value>`;
    return `  ${name.padEnd(32)} ${env.padEnd(26)} ${description}${fallback ? ` (default: ${fallback})` : ""}`;
  });
  return `Usage: spot-optimizer agent [options]

Runs on an EC2 instance: holds one gRPC stream to the control plane, reports prices and interruption signals,
and carries out the commands the control plane pushes (switch pool, on-demand fallback, replicas) with the EC2
API. Instance metadata comes from AWS_EC2_METADATA_SERVICE_ENDPOINT (default http://169.254.169.254), EC2 from
AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL when set, credentials from the AWS SDK's default chain.

  ${"flag".padEnd(32)} ${"environment".padEnd(26)} meaning
${rows.join("\n")}
  ${"-h, --help".padEnd(32)} ${"".padEnd(26)} show this help
`;
}

/** `spot-optimizer agent`: exit 0 when it retires or is stopped, 2 on a bad setting, 1 when it cannot start. */
export async function runAgentCommand(argv: string[], fail: (message: string) => never): Promise<void> {
  const options = Object.fromEntries(
    AGENT_SETTINGS_HELP.map((setting) => [
      setting.flag.slice(2),
      { type: BOOLEAN_FLAGS.has(setting.flag) ? ("boolean" as const) : ("string" as const) },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
    });
  } catch (error) {
    fail(`${(error as Error).message} (see spot-optimizer agent --help)`);
  }
  if (parsed.values.help) {
    process.stdout.write(agentHelp());
    return;
  }
  let settings: AgentSettings;
  try {
    settings = resolveAgentSettings({
      flags: parsed.values as Record<string, string | boolean | undefined>,
      env: process.env,
    });
  } catch (error) {
    if (error instanceof SettingsError) fail(error.message);
    throw error;
  }
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
