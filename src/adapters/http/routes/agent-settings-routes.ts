import { z } from "zod";
import type { SettingsPatch } from "../../../core/agents/agent-settings.js";
import { presentAgentConfig } from "../presenters/agent-presenter.js";
import {
  configResponse,
  deletedAgentResponse,
  settingsResponse,
  toggledResponse,
} from "../responses/agent-responses.js";
import { route } from "../route-definition.js";

const flag = z.boolean().optional();

/** True when the patch changes something; undefined fields change nothing. */
const changesSomething = (patch: SettingsPatch) => Object.values(patch).some((value) => value !== undefined);

const settingsBody = z
  .object({
    auto_switch_enabled: flag,
    auto_terminate_enabled: flag,
    manual_replica_enabled: flag,
    /** The original's older name for manual replica mode. */
    replica_enabled: flag,
  })
  .transform(
    (body): SettingsPatch => ({
      autoSwitchEnabled: body.auto_switch_enabled,
      autoTerminateEnabled: body.auto_terminate_enabled,
      manualReplicaEnabled: body.manual_replica_enabled ?? body.replica_enabled,
    }),
  )
  .refine(changesSomething, {
    message: "no settings given: send auto_switch_enabled, auto_terminate_enabled or manual_replica_enabled",
  });

const minutes = z.number().min(0).max(1440).optional();

/** The dashboard's config modal sends camelCase toggles and minutes; guard-rails come in snake_case. */
const configBody = z
  .object({
    autoSwitchEnabled: flag,
    auto_switch_enabled: flag,
    autoTerminateEnabled: flag,
    auto_terminate_enabled: flag,
    manualReplicaEnabled: flag,
    manual_replica_enabled: flag,
    terminateWaitMinutes: minutes,
    terminate_wait_minutes: minutes,
    terminate_wait_seconds: z.number().int().optional(),
    min_savings_percent: z.number().optional(),
    risk_threshold: z.number().optional(),
    max_switches_per_week: z.number().int().optional(),
    max_switches_per_day: z.number().int().optional(),
    min_pool_duration_hours: z.number().optional(),
    emergencyFallback: z.enum(["ondemand", "spot"]).optional(),
    emergency_fallback: z.enum(["ondemand", "spot"]).optional(),
  })
  .transform((body): SettingsPatch => {
    const waitMinutes = body.terminateWaitMinutes ?? body.terminate_wait_minutes;
    return {
      autoSwitchEnabled: body.autoSwitchEnabled ?? body.auto_switch_enabled,
      autoTerminateEnabled: body.autoTerminateEnabled ?? body.auto_terminate_enabled,
      manualReplicaEnabled: body.manualReplicaEnabled ?? body.manual_replica_enabled,
      terminateWaitSeconds:
        waitMinutes === undefined ? body.terminate_wait_seconds : Math.round(waitMinutes * 60),
      minSavingsPercent: body.min_savings_percent,
      riskThreshold: body.risk_threshold,
      maxSwitchesPerWeek: body.max_switches_per_week,
      maxSwitchesPerDay: body.max_switches_per_day,
      minPoolDurationHours: body.min_pool_duration_hours,
      emergencyFallback: body.emergencyFallback ?? body.emergency_fallback,
    };
  })
  .refine(changesSomething, { message: "no configuration given" });

/**
 * Changes to one agent's settings (C5-C7) and its deletion (C8). The core enforces the rules (auto-switch and
 * manual replica mode exclude each other, ranges) and pushes the new config to the agent.
 */
export const agentSettingsRoutes = [
  route({
    method: "post",
    path: "/api/client/agents/:agentId/toggle-enabled",
    response: toggledResponse,
    auth: "client",
    summary: "Enable or disable an agent: a disabled agent stays connected but gets no switch (C5)",
    body: z.object({ enabled: z.boolean() }),
    handle: async ({ params, body, caller, services }) => {
      const config = await services.agents.updateSettings(caller, params.agentId, {
        enabled: body.enabled,
      });
      return { success: true, enabled: config.enabled };
    },
  }),
  route({
    method: "post",
    path: "/api/client/agents/:agentId/settings",
    response: settingsResponse,
    auth: "client",
    summary: "Turn auto-switch, auto-terminate or manual replica mode on or off (C6)",
    body: settingsBody,
    handle: async ({ params, body, caller, services }) => ({
      success: true,
      settings: presentAgentConfig(await services.agents.updateSettings(caller, params.agentId, body)),
    }),
  }),
  route({
    method: "post",
    path: "/api/client/agents/:agentId/config",
    response: configResponse,
    auth: "client",
    summary: "Mode, termination and guard-rail configuration of an agent (C7)",
    body: configBody,
    handle: async ({ params, body, caller, services }) => {
      const config = await services.agents.updateSettings(caller, params.agentId, body);
      return {
        success: true,
        auto_switch_enabled: config.autoSwitchEnabled,
        manual_replica_enabled: config.manualReplicaEnabled,
        config: presentAgentConfig(config),
      };
    },
  }),
  route({
    method: "delete",
    path: "/api/client/agents/:agentId",
    response: deletedAgentResponse,
    auth: "client",
    summary: "Delete an agent: its stream is closed, open commands cancelled, history kept (C8)",
    handle: async ({ params, caller, services }) => {
      const agent = await services.agents.delete(caller, params.agentId);
      return { success: true, message: `Agent ${agent.logicalAgentId} deleted`, agent_id: agent.id };
    },
  }),
];
