import type { Command } from "../../../gen/spot/v1/command.js";

/**
 * The trigger an agent reports with a switch, guessed from the command's priority (manual commands are issued at
 * 50 and above). The server, which knows the command's origin, is to derive it instead (issue 17, item 5).
 */
export function reportedTrigger(command: Pick<Command, "priority">): string {
  return command.priority >= 50 ? "manual" : "model";
}
