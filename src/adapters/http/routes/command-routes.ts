import { z } from "zod";
import type { ForceSwitchTarget } from "../../../core/commands/command-service.js";
import { invalidArgument } from "../../../core/errors/app-error.js";
import type { AgentReach } from "../../../core/polling/agent-reach.js";
import { presentReach } from "../presenters/agent-presenter.js";
import { presentCommand } from "../presenters/command-presenter.js";
import { commandResponse, forceSwitchResponse } from "../responses/command-responses.js";
import { route } from "../route-definition.js";

const forceSwitchBody = z.object({
  target: z.enum(["ondemand", "pool", "spot"]),
  pool_id: z.string().max(128).optional(),
  /** Accepted for compatibility with the original dashboard; the pool decides the type. */
  new_instance_type: z.string().max(50).optional(),
});

const DELIVERY = { stream: "pushed", polling: "next_poll", none: "when_connected" } as const;

/** What happens to the command now, in words: pushed, waiting for a poll, or waiting for the agent. */
function deliveryMessage(reach: AgentReach): string {
  if (reach.via === "stream") return "Switch command queued and pushed to the agent";
  const lastPoll =
    reach.lastPollAt === null ? "" : ` (last poll ${new Date(reach.lastPollAt).toISOString()})`;
  if (reach.via === "polling") {
    return `Switch command queued: the agent polls for commands and takes it at its next poll${lastPoll}`;
  }
  return `Switch command queued: the agent is not connected and gets it when it connects or polls again, unless it expires first${lastPoll}`;
}

/** Commands issued by people: force-switch (C16) and the command history of an agent. */
export const commandRoutes = [
  route({
    method: "post",
    path: "/api/client/instances/:instanceId/force-switch",
    response: forceSwitchResponse,
    auth: "client",
    summary:
      "Switch an instance's workload to a spot pool or to on-demand now: pushed to a streaming agent, or taken by a polling agent at its next poll",
    body: forceSwitchBody,
    status: 201,
    handle: async ({ params, body, caller, services }) => {
      let target: ForceSwitchTarget;
      if (body.target === "ondemand") target = { kind: "ondemand" };
      else if (body.pool_id) target = { kind: "pool", poolId: body.pool_id };
      else throw invalidArgument(`pool_id is required when target is ${body.target}`);
      const { command, agent } = await services.commands.forceSwitch(caller, params.instanceId, target);
      const reach = await services.polling.reachOf(agent.id);
      return {
        success: true,
        command_id: command.id,
        status: command.state,
        delivery: DELIVERY[reach.via],
        message: deliveryMessage(reach),
        ...presentReach(reach),
        command: presentCommand(command),
      };
    },
  }),
  route({
    method: "get",
    path: "/api/client/agents/:agentId/commands",
    response: z.array(commandResponse),
    auth: "client",
    summary: "Recent commands of an agent, newest first, with their delivery state",
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
    handle: async ({ params, query, caller, services }) =>
      (await services.commands.listForAgent(caller, params.agentId, query.limit)).map(presentCommand),
  }),
  route({
    method: "get",
    path: "/api/client/commands/:commandId",
    response: commandResponse,
    auth: "client",
    summary: "One command with its delivery state and result",
    handle: async ({ params, caller, services }) =>
      presentCommand(await services.commands.get(caller, params.commandId)),
  }),
];
