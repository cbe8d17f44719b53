import type { Command } from "../../../gen/spot/v1/command.js";

export interface CommandOutcome {
  success: boolean;
  message: string;
}

/**
 * Carries out the commands the server accepted the acknowledgement of (CommandRunner decides when), on real EC2
 * (Ec2CommandExecutor) or on simulated instances (SimulatedCommandExecutor). What it reports on the way (a switch
 * report, a replica's status) it sends itself; a failure is an outcome with its message, not an exception.
 */
export interface CommandExecutor {
  execute(command: Command): Promise<CommandOutcome> | CommandOutcome;
}
