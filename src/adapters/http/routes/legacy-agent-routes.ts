import { z } from "zod";
import type { AgentIdentity } from "../../../core/agents/agent.js";
import type { SwitchTarget } from "../../../core/commands/switch-action.js";
import {
  presentLegacyCommand,
  presentLegacyConfig,
  presentLegacyReplicaConfig,
} from "../presenters/legacy-agent-presenter.js";
import { peerOf } from "../request-auth.js";
import {
  executedResponse,
  issuedSwitchResponse,
  legacyCommandsResponse,
  legacyConfigResponse,
  legacyReplicaConfigResponse,
  registeredResponse,
} from "../responses/legacy-responses.js";
import { successResponse } from "../responses/notification-responses.js";
import { route } from "../route-definition.js";
import {
  legacyHeartbeatStatus,
  legacyId,
  legacyMode,
  legacyOptionalText,
  legacyRequiredSuccess,
  legacySuccess,
  legacyTime,
} from "./legacy-fields.js";

/** A1 as agent v3.2 and v4 send it; `reregister` is ours (bring back an agent its client deleted). */
const registerBody = z
  .object({
    logical_agent_id: z.string().max(255).nullish(),
    instance_id: z.string().max(32),
    instance_type: z.string().max(64),
    region: z.string().max(64).nullish(),
    az: z.string().max(64).nullish(),
    availability_zone: z.string().max(64).nullish(),
    mode: legacyMode.nullish(),
    /** What agents before v4 called `mode`. */
    current_mode: legacyMode.nullish(),
    hostname: legacyOptionalText,
    ami_id: legacyOptionalText,
    agent_version: legacyOptionalText,
    private_ip: legacyOptionalText,
    /** v4 sends null on instances without a public address (the original refused the registration). */
    public_ip: legacyOptionalText,
    reregister: z.boolean().optional(),
    // client_token is also sent; the bearer header authenticates, so the body's copy is not read.
  })
  .transform(
    (body): AgentIdentity => ({
      logicalAgentId: body.logical_agent_id ?? "",
      instanceId: body.instance_id,
      instanceType: body.instance_type,
      region: body.region ?? "",
      availabilityZone: body.az ?? body.availability_zone ?? "",
      mode: body.mode ?? body.current_mode ?? "unknown",
      agentVersion: body.agent_version ?? "",
      privateIp: body.private_ip,
      publicIp: body.public_ip,
      hostname: body.hostname,
      amiId: body.ami_id,
      reregister: body.reregister ?? false,
    }),
  );

/** A5 as agent v4 sends it: whether the command succeeded (required) and what happened. */
const executedBody = z.object({ success: legacyRequiredSuccess, message: z.string().max(2000).nullish() });
/** v3.2's mark-command-executed sends only the command id: success defaults to true, as in the original. */
const markExecutedBody = z.object({
  command_id: legacyId,
  success: legacySuccess,
  message: z.string().max(2000).nullish(),
});

const issueSwitchBody = z
  .object({
    target_mode: legacyMode,
    target_pool_id: z.string().max(128).nullish(),
    reason: z.string().max(200).nullish(),
    priority: z.number().int().nullish(),
  })
  .transform((body, context) => {
    let target: SwitchTarget;
    if (body.target_mode === "ondemand") target = { kind: "ondemand" };
    else if (body.target_mode === "spot" && body.target_pool_id) {
      target = { kind: "pool", poolId: body.target_pool_id };
    } else {
      const message =
        body.target_mode === "spot" ? "is required when target_mode is spot" : "must be spot or ondemand";
      const path = body.target_mode === "spot" ? ["target_pool_id"] : ["target_mode"];
      context.issues.push({ code: "custom", message, path, input: body });
      return z.NEVER;
    }
    return { target, priority: body.priority ?? null, reason: body.reason ?? null };
  });

const agentId = (params: { agentId: string }) => params.agentId;

/**
 * The agent routes of the original system (A1-A5, A8, A11, A14 and v3.2's mark-command-executed; the reports
 * are in legacy-report-routes.ts), for agents that poll instead of holding a stream. Same core as the stream: registration keeps the agent's identity, every call
 * proves it alive, a command is delivered by `pending-commands` and completed by the executed call.
 */
export const legacyAgentRoutes = [
  route({
    method: "post",
    path: "/api/agents/register",
    response: registeredResponse,
    auth: "client",
    summary: "Register an agent of the original system; the same logical id keeps its agent id (A1)",
    body: registerBody,
    handle: async ({ body, caller, services, context }) => {
      const { agent } = await services.polling.register(caller, body, peerOf(context));
      return { agent_id: agent.id, client_id: agent.clientId, config: presentLegacyConfig(agent.config) };
    },
  }),
  route({
    method: "post",
    path: "/api/agents/:agentId/heartbeat",
    response: successResponse,
    auth: "client",
    summary:
      "Heartbeat of a polling agent: it is online and seen now; status offline says it shuts down (A2)",
    // The agent also sends monitored_instances, instance_type, mode and az: placement changes come from
    // registration and switch reports only. instance_id says which instance's agent is alive.
    body: z.object({ status: legacyHeartbeatStatus, instance_id: z.string().max(32).nullish() }),
    handle: async ({ params, body, caller, services, context }) => {
      await services.polling.heartbeat(
        caller,
        agentId(params),
        { status: body.status, instanceId: body.instance_id ?? null },
        peerOf(context),
      );
      return { success: true };
    },
  }),
  route({
    method: "get",
    path: "/api/agents/:agentId/config",
    response: legacyConfigResponse,
    auth: "client",
    summary: "The agent's config; reading it completes config changes queued for a polling agent (A3)",
    handle: async ({ params, caller, services, context }) =>
      presentLegacyConfig(await services.polling.config(caller, agentId(params), peerOf(context))),
  }),
  route({
    method: "get",
    path: "/api/agents/:agentId/pending-commands",
    response: legacyCommandsResponse,
    auth: "client",
    summary:
      "Open switch commands issued for the caller's instance, as a bare array, highest priority first; fetching delivers them (A4)",
    handle: async ({ params, caller, services, context }) => {
      const { commands } = await services.polling.pendingCommands(caller, agentId(params), peerOf(context));
      return commands.flatMap((command) => presentLegacyCommand(command) ?? []);
    },
  }),
  route({
    method: "post",
    path: "/api/agents/:agentId/commands/:commandId/executed",
    response: executedResponse,
    auth: "client",
    summary: "Outcome of a command the agent fetched: completed or failed; 409 when it was cancelled (A5)",
    body: executedBody,
    handle: async ({ params, body, caller, services, context }) => {
      const command = await services.polling.commandExecuted(
        caller,
        agentId(params),
        params.commandId,
        { success: body.success, message: body.message ?? "" },
        peerOf(context),
      );
      return { success: true, command_id: command.id, state: command.state };
    },
  }),
  route({
    method: "post",
    path: "/api/agents/:agentId/mark-command-executed",
    response: executedResponse,
    auth: "client",
    summary: "Agent v3.2's way to report a command executed (body command_id; success defaults to true)",
    body: markExecutedBody,
    handle: async ({ params, body, caller, services, context }) => {
      const command = await services.polling.commandExecuted(
        caller,
        agentId(params),
        body.command_id,
        { success: body.success, message: body.message ?? "" },
        peerOf(context),
      );
      return { success: true, command_id: command.id, state: command.state };
    },
  }),
  route({
    method: "get",
    path: "/api/agents/:agentId/replica-config",
    response: legacyReplicaConfigResponse,
    auth: "client",
    summary: "Whether the agent keeps a manual replica, in both of the original's shapes (A11)",
    handle: async ({ params, caller, services, context }) =>
      presentLegacyReplicaConfig(
        await services.polling.replicaConfig(caller, agentId(params), peerOf(context)),
      ),
  }),
  route({
    method: "post",
    path: "/api/agents/:agentId/issue-switch-command",
    response: issuedSwitchResponse,
    auth: "client",
    summary: "Queue an automatic switch; needs the agent enabled and auto-switch on (A14)",
    body: issueSwitchBody,
    status: 201,
    handle: async ({ params, body, caller, services }) => {
      const { command, agent } = await services.commands.requestSwitch(caller, agentId(params), body.target, {
        priority: body.priority,
        reason: body.reason,
      });
      const legacy = presentLegacyCommand(command);
      return {
        success: true,
        command_id: command.id,
        agent_id: agent.id,
        target_mode: legacy?.target_mode,
        target_pool_id: legacy?.target_pool_id ?? null,
        priority: command.priority,
        reason: command.reason,
        status: command.state,
        auto_switch_enabled: agent.config.autoSwitchEnabled,
        message:
          "Switch command queued: pushed to a streaming agent now, fetched by a polling agent on its next poll",
      };
    },
  }),
  route({
    method: "post",
    path: "/api/agents/:agentId/termination",
    response: successResponse,
    auth: "client",
    summary: "An instance of the agent (its own when none is named) was terminated (A8)",
    body: z.object({
      instance_id: z.string().max(32).nullish(),
      reason: z.string().max(200).nullish(),
      terminated_at: legacyTime,
    }),
    handle: async ({ params, body, caller, services, context }) => {
      await services.polling.instanceTerminated(
        caller,
        agentId(params),
        {
          instanceId: body.instance_id ?? null,
          terminatedAt: body.terminated_at,
          reason: body.reason ?? null,
        },
        peerOf(context),
      );
      return { success: true };
    },
  }),
];
