import { randomUUID } from "node:crypto";
import type { Agent, InstanceMode } from "../agents/agent.js";
import type { AgentRepository } from "../agents/agent-repository.js";
import { lockLiveAgent } from "../agents/require-agent.js";
import type { ClientContext } from "../clients/client.js";
import type { Clock } from "../clock/clock.js";
import type { CommandHandover, HandoverWrites } from "../commands/command-handover.js";
import type { CommandRepository } from "../commands/command-repository.js";
import { failedPrecondition, invalidArgument, notFound } from "../errors/app-error.js";
import type { EventLog, EventWrites } from "../events/event-log.js";
import type { Instance } from "../instances/instance.js";
import type { InstanceRepository } from "../instances/instance-repository.js";
import type { NotificationService, NotificationWrites } from "../notifications/notification-service.js";
import { makePool } from "../pricing/pool.js";
import type { PriceRepository } from "../pricing/price-repository.js";
import type { Store } from "../unit-of-work.js";
import {
  optionalText,
  reportedTime,
  requireInstanceId,
  requirePrice,
  requireText,
} from "../validation/validate.js";
import type { SwitchRecord, SwitchSide, SwitchTiming } from "./switch-record.js";
import type { SwitchRepository } from "./switch-repository.js";
import { type SwitchTrigger, switchTriggerOf } from "./switch-trigger.js";

export interface SwitchSideInput {
  instanceId: string;
  instanceType: string;
  availabilityZone: string;
  mode: InstanceMode;
  amiId: string | null;
}

export interface SwitchReportInput {
  commandId: string | null;
  from: SwitchSideInput;
  to: SwitchSideInput;
  timing: SwitchTiming;
  prices: { onDemand: number | null; oldSpot: number | null; newSpot: number | null };
}

/** A switch report checked and priced, ready to be recorded for an agent. */
export interface CheckedSwitch {
  commandId: string | null;
  from: SwitchSide;
  to: SwitchSide;
  timing: SwitchTiming;
  onDemandPrice: number | null;
  oldSpotPrice: number | null;
  newSpotPrice: number | null;
  hourlySavings: number;
  reportedAt: number;
}

/** What recording a switch touches, in the caller's transaction. */
export type SwitchWrites = {
  agents: AgentRepository;
  commands: CommandRepository;
  switches: SwitchRepository;
  prices: PriceRepository;
  instances: InstanceRepository;
} & EventWrites &
  NotificationWrites &
  HandoverWrites;

export interface SwitchServiceDeps {
  store: Store<SwitchWrites>;
  clock: Clock;
  events: EventLog;
  notifications: NotificationService;
  handover: CommandHandover;
}

/**
 * Records that an agent moved its workload, and makes the new instance its primary. A report is accepted from the
 * agent's primary, or from the instance its command was issued for (the replacement may have registered first).
 */
export class SwitchService {
  constructor(private readonly deps: SwitchServiceDeps) {}

  async recordSwitch(
    caller: ClientContext,
    agentId: string,
    input: SwitchReportInput,
  ): Promise<SwitchRecord> {
    const report = this.check(input);
    return this.deps.store.transaction(async (tx) => {
      const agent = await lockLiveAgent(tx.agents, caller, agentId);
      return this.recordInTransaction(tx, agent, report);
    });
  }

  /** Validates a report (invalid_argument when it does not hold together) and prices the move. */
  check(input: SwitchReportInput): CheckedSwitch {
    const now = this.deps.clock.now();
    const from = validateSide("old_instance", input.from);
    const to = validateSide("new_instance", input.to);
    if (from.instanceId === to.instanceId)
      throw invalidArgument("old and new instance are the same instance");
    const timing: SwitchTiming = {
      initiatedAt: reportedTime("timing.initiated_at", input.timing.initiatedAt, now),
      imageCreatedAt: reportedTime("timing.image_created_at", input.timing.imageCreatedAt, now),
      instanceLaunchedAt: reportedTime("timing.instance_launched_at", input.timing.instanceLaunchedAt, now),
      instanceReadyAt: reportedTime("timing.instance_ready_at", input.timing.instanceReadyAt, now),
      oldTerminatedAt: reportedTime("timing.old_terminated_at", input.timing.oldTerminatedAt, now),
    };
    const price = (field: string, value: number | null) =>
      value === null ? null : requirePrice(field, value);
    const onDemandPrice = price("prices.on_demand", input.prices.onDemand);
    const oldSpotPrice = price("prices.old_spot", input.prices.oldSpot);
    const newSpotPrice = price("prices.new_spot", input.prices.newSpot);
    const hourlyCost = (mode: InstanceMode, spot: number | null) => (mode === "spot" ? spot : onDemandPrice);
    const oldCost = hourlyCost(from.mode, oldSpotPrice);
    const newCost = hourlyCost(to.mode, newSpotPrice);
    return {
      commandId: input.commandId,
      from,
      to,
      timing,
      onDemandPrice,
      oldSpotPrice,
      newSpotPrice,
      // Unknown prices claim nothing rather than a made-up figure.
      hourlySavings: oldCost !== null && newCost !== null ? round6(oldCost - newCost) : 0,
      reportedAt: now,
    };
  }

  /**
   * Records the switch of `agent`, which the caller's transaction `tx` has locked. Its trigger is `trigger` when
   * the control plane moves the agent itself (a promotion), else what the command it carried out says.
   */
  async recordInTransaction(
    tx: SwitchWrites,
    agent: Agent,
    report: CheckedSwitch,
    trigger?: SwitchTrigger,
  ): Promise<SwitchRecord> {
    const { from, to, timing, onDemandPrice, newSpotPrice } = report;
    const now = report.reportedAt;
    // Every id the report names must be the agent's own: a command it was sent, instances it runs (or ran).
    const command = report.commandId ? await tx.commands.findForAgent(agent.id, report.commandId) : undefined;
    if (report.commandId && !command) throw notFound(`command ${report.commandId}`);
    for (const side of [from, to]) {
      const known = await tx.instances.find(agent.clientId, side.instanceId);
      if (known && known.agentId !== agent.id) throw notFound(`instance ${side.instanceId}`);
    }
    const commandId = command?.id ?? null;
    const issuedFor = command?.instanceId ?? null;
    if (from.instanceId !== agent.instanceId && from.instanceId !== issuedFor) {
      // Only the workload's own instance moves it: a former primary's agent must not retire the real one.
      throw failedPrecondition(
        `instance ${from.instanceId} is neither the agent's primary (${agent.instanceId})` +
          (issuedFor ? ` nor the instance the command was issued for (${issuedFor})` : "") +
          "; the switch is not recorded",
        { primaryInstanceId: agent.instanceId, commandInstanceId: issuedFor },
      );
    }
    // An agent sends a report again when it did not see the receipt: a command's switch is recorded once.
    const already = commandId ? await tx.switches.findByCommand(agent.id, commandId) : undefined;
    if (already) return already;
    // The report proves the agent took the command: it is not handed out again while its outcome is awaited.
    if (commandId) await tx.commands.acknowledge(agent.id, commandId, now);
    const record: SwitchRecord = {
      id: randomUUID(),
      clientId: agent.clientId,
      agentId: agent.id,
      commandId,
      from,
      to,
      onDemandPrice,
      oldSpotPrice: report.oldSpotPrice,
      newSpotPrice,
      hourlySavings: report.hourlySavings,
      trigger: trigger ?? switchTriggerOf(command),
      timing,
      reportedAt: now,
    };
    await tx.switches.insert(record);
    if (to.poolId) await tx.prices.ensurePools([makePool(to.instanceType, to.availabilityZone)], now);

    const previous = await tx.instances.find(agent.clientId, from.instanceId);
    if (previous) {
      await tx.instances.save({ ...previous, role: "retired", updatedAt: now });
      if (timing.oldTerminatedAt !== null) {
        await tx.instances.markTerminated(agent.clientId, from.instanceId, timing.oldTerminatedAt);
      }
    }
    const existing = await tx.instances.find(agent.clientId, to.instanceId);
    const launchedAt = timing.instanceLaunchedAt ?? timing.instanceReadyAt ?? now;
    const next: Instance = {
      id: to.instanceId,
      clientId: agent.clientId,
      agentId: agent.id,
      instanceType: to.instanceType,
      region: to.region,
      availabilityZone: to.availabilityZone,
      mode: to.mode,
      poolId: to.poolId,
      amiId: to.amiId,
      role: "primary",
      state: "running",
      spotPrice: to.mode === "spot" ? newSpotPrice : null,
      onDemandPrice: onDemandPrice ?? existing?.onDemandPrice ?? previous?.onDemandPrice ?? null,
      launchedAt: existing?.launchedAt ?? launchedAt,
      terminatedAt: null,
      unmanagedAt: null,
      lastSwitchAt: now,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    // The old primary is retired before the new one is saved: one primary per agent holds at every statement.
    await tx.instances.retireOthers(agent.clientId, agent.id, next.id, now);
    await tx.instances.save(next);
    await tx.agents.moveTo(agent.id, to, now);
    await this.deps.handover.handOver(tx, agent, agent.instanceId, to, "switch", commandId);

    const saving = record.hourlySavings > 0 ? ` - saves $${record.hourlySavings.toFixed(4)}/h` : "";
    await this.deps.notifications.notify(tx, {
      clientId: agent.clientId,
      agentId: agent.id,
      type: "switch_completed",
      severity: "info",
      message: `Instance switched: ${from.instanceId} → ${to.instanceId} (${to.poolId ?? "on-demand"})${saving}`,
    });
    await this.deps.events.record(tx, {
      type: "switch_completed",
      severity: "info",
      clientId: agent.clientId,
      agentId: agent.id,
      instanceId: to.instanceId,
      message: `Switch ${from.instanceId} → ${to.instanceId}`,
      metadata: { hourlySavings: record.hourlySavings, trigger: record.trigger, commandId },
    });
    return record;
  }
}

function validateSide(field: string, side: SwitchSideInput): SwitchSide {
  const instanceType = requireText(`${field}.instance_type`, side.instanceType, 64);
  const availabilityZone = requireText(`${field}.availability_zone`, side.availabilityZone, 64);
  const pool = makePool(instanceType, availabilityZone);
  if (side.mode !== "spot" && side.mode !== "ondemand") {
    throw invalidArgument(`${field}.mode must be spot or ondemand`);
  }
  return {
    instanceId: requireInstanceId(`${field}.instance_id`, side.instanceId),
    instanceType,
    region: pool.region,
    availabilityZone,
    mode: side.mode,
    poolId: side.mode === "spot" ? pool.id : null,
    amiId: optionalText(`${field}.ami_id`, side.amiId, 64),
  };
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
