import type { Command } from "../../gen/spot/v1/command.js";
import type { AgentConfig } from "../../gen/spot/v1/common.js";
import type { AgentContext } from "./agent-context.js";
import { runCapacityCommand } from "./capacity-actions.js";
import type { CommandExecutor, CommandOutcome } from "./protocol/command-executor.js";

/** Commands carried out on this instance with the EC2 API; a config change is the agent's own. */
export class Ec2CommandExecutor implements CommandExecutor {
  constructor(
    private readonly context: AgentContext,
    private readonly applyConfig: (config: AgentConfig) => void,
  ) {}

  execute(command: Command): Promise<CommandOutcome> | CommandOutcome {
    if (command.action?.$case === "applyConfig") {
      if (command.action.value.config) this.applyConfig(command.action.value.config);
      return { success: true, message: "config applied" };
    }
    return runCapacityCommand(this.context, command);
  }
}
