import type { Command } from "../../../gen/spot/v1/command.js";

/**
 * The trigger an agent reports with a switch, guessed from the command's priority (manual commands are issued at
 * 50 and above) as the original agent did. The field is deprecated: this control plane ignores it and derives the
 * trigger from the command's origin and its interruption link; agents still fill it for servers older than that.
 */
export function reportedTrigger(command: Pick<Command, "priority">): string {
  return command.priority >= 50 ? "manual" : "model";
}
