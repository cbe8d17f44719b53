import type { Agent } from "../agents/agent.js";
import type { AgentRepository } from "../agents/agent-repository.js";
import type { Clock } from "../clock/clock.js";
import { PRIORITY } from "../commands/command.js";
import type { CommandService } from "../commands/command-service.js";
import { AppError } from "../errors/app-error.js";
import type { EventLog } from "../events/event-log.js";
import type { Logger } from "../logging/logger.js";
import type { Store } from "../unit-of-work.js";
import { ACTIVE_REPLICA_STATUSES, type Replica } from "./replica.js";
import type { ReplicaWrites } from "./replica-commands.js";
import type { ReplicaService } from "./replica-service.js";
import type { StandbyPoolChooser, StandbyPoolReads } from "./standby-pool-chooser.js";

/**
 * How long an emergency replica waits for the termination notice its rebalance recommendation announced. AWS
 * sends the recommendation when the risk rises, and often no interruption follows; the pool is avoided as long.
 */
export const EMERGENCY_REPLICA_HOLD_MS = 6 * 3_600_000;

const STATUS_RANK: Record<string, number> = { ready: 0, syncing: 1, launching: 2 };

/** The replica worth keeping when there are several: the most advanced, then the oldest. */
function best(replicas: readonly Replica[]): Replica | undefined {
  return [...replicas].sort(
    (a, b) => (STATUS_RANK[a.status] ?? 9) - (STATUS_RANK[b.status] ?? 9) || a.createdAt - b.createdAt,
  )[0];
}

/** What bringing an agent's standbys in line touches, in the caller's transaction. */
export type StandbyWrites = ReplicaWrites & StandbyPoolReads;

export interface StandbyKeeperDeps {
  store: Store<{ agents: AgentRepository } & StandbyWrites>;
  clock: Clock;
  replicas: ReplicaService;
  pools: StandbyPoolChooser;
  commands: CommandService;
  events: EventLog;
  logger: Logger;
}

/**
 * Manual replica mode keeps exactly one standby per agent: one is launched when there is none (after a delete,
 * a promotion, a failure, or when the mode is turned on) and extras are terminated. Outside that mode, manual
 * standbys are terminated; emergency replicas are left to the failover logic until they are spent (see
 * `retireSpentEmergencies`).
 */
export class StandbyKeeper {
  /** Agents already told that no pool fits, so a periodic sweep does not repeat the event. */
  private readonly warnedNoPool = new Set<string>();

  constructor(private readonly deps: StandbyKeeperDeps) {}

  /**
   * Brings one agent to its mode's invariant, in the caller's transaction `tx`, which has locked the agent;
   * dispatch after the commit.
   */
  async reconcileInTransaction(
    tx: StandbyWrites,
    agent: Agent,
  ): Promise<"launched" | "trimmed" | "cleared" | "unchanged" | "no_pool"> {
    const { replicas } = this.deps;
    const active = await tx.replicas.listByAgent(agent.id, { includeInactive: false });
    if (agent.status === "deleted") {
      // A deleted agent keeps nothing running on its behalf, emergency replicas included.
      for (const replica of active)
        await replicas.terminateInTransaction(tx, agent, replica, "the agent was deleted");
      return active.length > 0 ? "cleared" : "unchanged";
    }
    const manualMode = agent.config.manualReplicaEnabled && agent.config.enabled;
    if (!manualMode) {
      const manual = active.filter((replica) => replica.kind === "manual");
      for (const replica of manual)
        await replicas.terminateInTransaction(tx, agent, replica, "manual replica mode is off");
      return manual.length > 0 ? "cleared" : "unchanged";
    }
    if (active.length > 1) {
      const keep = best(active);
      for (const replica of active) {
        if (replica !== keep)
          await replicas.terminateInTransaction(tx, agent, replica, "only one standby is kept");
      }
      return "trimmed";
    }
    if (active.length === 1 || agent.status !== "online") return "unchanged";
    try {
      const pool = await this.deps.pools.choose(tx, agent);
      await replicas.launch(tx, agent, pool, {
        kind: "manual",
        createdBy: "standby-keeper",
        priority: PRIORITY.urgent,
      });
      this.warnedNoPool.delete(agent.id);
      return "launched";
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      if (this.warnedNoPool.has(agent.id)) return "no_pool";
      this.warnedNoPool.add(agent.id);
      await this.deps.events.record(tx, {
        type: "standby_unavailable",
        severity: "warning",
        clientId: agent.clientId,
        agentId: agent.id,
        message: `No standby for ${agent.logicalAgentId}: ${error.message}`,
      });
      return "no_pool";
    }
  }

  async reconcile(clientId: string, agentId: string): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      const agent = await tx.agents.lockForUpdate(agentId);
      if (!agent || agent.clientId !== clientId) return;
      await this.reconcileInTransaction(tx, agent);
    });
    this.deps.commands.dispatch(agentId);
  }

  /**
   * Emergency replicas that protect nothing any more are terminated: the primary they were launched for has been
   * replaced (a switch or a promotion moved the workload), or no notice came within the hold. In manual replica
   * mode the replica is the agent's standby and stays. Returns how many were terminated.
   */
  async retireSpentEmergencies(): Promise<number> {
    const { store, clock } = this.deps;
    let retired = 0;
    for (const candidate of await store.replicas.listActiveEmergencies()) {
      const done = await store.transaction(async (tx) => {
        // Decided under the agent's lock, on the replica as it is now.
        const agent = await tx.agents.lockForUpdate(candidate.agentId);
        if (!agent || agent.status === "deleted" || agent.config.manualReplicaEnabled) return false;
        const replica = await tx.replicas.find(candidate.clientId, candidate.id);
        if (!replica || !ACTIVE_REPLICA_STATUSES.includes(replica.status)) return false;
        const reason = spentBecause(replica, agent, clock.now());
        if (!reason) return false;
        await this.deps.replicas.terminateInTransaction(tx, agent, replica, reason);
        return true;
      });
      if (!done) continue;
      this.deps.commands.dispatch(candidate.agentId);
      retired++;
    }
    return retired;
  }

  /** The periodic sweep: every agent whose standby count is off. */
  async reconcileAll(): Promise<number> {
    let repaired = 0;
    for (const { clientId, agentId } of await this.deps.store.replicas.agentsNeedingStandbyRepair()) {
      try {
        await this.reconcile(clientId, agentId);
        repaired++;
      } catch (error) {
        this.deps.logger.error("standby repair failed", {
          agentId,
          error: String(error),
          at: this.deps.clock.now(),
        });
      }
    }
    return repaired;
  }
}

/** Why an active emergency replica of `agent` protects nothing any more, or null while it still does. */
function spentBecause(replica: Replica, agent: Agent, now: number): string | null {
  if (replica.parentInstanceId !== null && replica.parentInstanceId !== agent.instanceId)
    return `the primary it protected (${replica.parentInstanceId}) was replaced`;
  if (now - replica.createdAt >= EMERGENCY_REPLICA_HOLD_MS)
    return "no termination notice came within 6 hours of the rebalance recommendation";
  return null;
}
