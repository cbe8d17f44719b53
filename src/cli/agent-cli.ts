import { Command } from "@commander-js/extra-typings";
import { AGENT_SETTINGS, resolveAgentSettings } from "../agent/agent-settings.js";
import { addSettingOptions, commandSettings, settingsHelp } from "./setting-options.js";

export const AGENT_HELP = settingsHelp(
  `Usage: spot-optimizer agent [options]

Runs on an EC2 instance: holds one gRPC stream to the control plane, reports prices and interruption signals,
and carries out the commands the control plane pushes (switch pool, on-demand fallback, replicas) with the EC2
API. Instance metadata comes from AWS_EC2_METADATA_SERVICE_ENDPOINT (default http://169.254.169.254), EC2 from
AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL when set, credentials from the AWS SDK's default chain.
`,
  AGENT_SETTINGS,
  { flag: 32, env: 26 },
);

/** `spot-optimizer agent`: exit 0 when it retires or is stopped, 2 on a bad setting, 1 when it cannot start. */
export function agentCommand(fail: (message: string) => never): Command {
  const command = new Command("agent").summary("run the agent on an EC2 instance");
  addSettingOptions(command, AGENT_SETTINGS);
  return command.action(async () => {
    const settings = commandSettings(command, resolveAgentSettings, fail);
    const { runAgent } = await import("../agent/agent-command.js");
    await runAgent(settings);
  });
}
