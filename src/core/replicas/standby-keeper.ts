import type { Agent } from "../agents/agent.js";
import type { Clock } from "../clock/clock.js";
import { PRIORITY } from "../commands/command.js";
import type { CommandService } from "../commands/command-service.js";
import { AppError } from "../errors/app-error.js";
import type { EventLog } from "../events/event-log.js";
import type { Logger } from "../logging/logger.js";
import type { Repositories } from "../unit-of-work.js";
import type { Replica } from "./replica.js";
import type { ReplicaService } from "./replica-service.js";
import type { StandbyPoolChooser } from "./standby-pool-chooser.js";

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

/**
 * Manual replica mode keeps exactly one standby per agent: one is launched when there is none (after a delete,
 * a promotion, a failure, or when the mode is turned on) and extras are terminated. Outside that mode, manual
 * standbys are terminated; emergency replicas are left to the failover logic until they are spent (see
 * `retireSpentEmergencies`).
 */
export class StandbyKeeper {
  /** Agents already told that no pool fits, so a periodic sweep does not repeat the event. */
  private readonly warnedNoPool = new Set<string>();

  constructor(
    private readonly repos: Repositories,
    private readonly clock: Clock,
    private readonly replicas: ReplicaService,
    private readonly pools: StandbyPoolChooser,
    private readonly commands: CommandService,
    private readonly events: EventLog,
    private readonly logger: Logger,
  ) {}

  /** Brings one agent to its mode's invariant. Joins the caller's transaction; dispatch after the commit. */
  reconcileInTransaction(agent: Agent): "launched" | "trimmed" | "cleared" | "unchanged" | "no_pool" {
    const active = this.repos.replicas.listByAgent(agent.id, { includeInactive: false });
    if (agent.status === "deleted") {
      // A deleted agent keeps nothing running on its behalf, emergency replicas included.
      for (const replica of active)
        this.replicas.terminateInTransaction(agent, replica, "the agent was deleted");
      return active.length > 0 ? "cleared" : "unchanged";
    }
    const manualMode = agent.config.manualReplicaEnabled && agent.config.enabled;
    if (!manualMode) {
      const manual = active.filter((replica) => replica.kind === "manual");
      for (const replica of manual)
        this.replicas.terminateInTransaction(agent, replica, "manual replica mode is off");
      return manual.length > 0 ? "cleared" : "unchanged";
    }
    if (active.length > 1) {
      const keep = best(active);
      for (const replica of active) {
        if (replica !== keep)
          this.replicas.terminateInTransaction(agent, replica, "only one standby is kept");
      }
      return "trimmed";
    }
    if (active.length === 1 || agent.status !== "online") return "unchanged";
    try {
      const pool = this.pools.choose(agent);
      this.replicas.launch(agent, pool, {
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
      this.events.record({
        type: "standby_unavailable",
        severity: "warning",
        clientId: agent.clientId,
        agentId: agent.id,
        message: `No standby for ${agent.logicalAgentId}: ${error.message}`,
      });
      return "no_pool";
    }
  }

  reconcile(clientId: string, agentId: string): void {
    const agent = this.repos.agents.findById(clientId, agentId);
    if (!agent) return;
    this.repos.transaction(() => this.reconcileInTransaction(agent));
    this.commands.dispatch(agentId);
  }

  /**
   * Emergency replicas that protect nothing any more are terminated: the primary they were launched for has been
   * replaced (a switch or a promotion moved the workload), or no notice came within the hold. In manual replica
   * mode the replica is the agent's standby and stays. Returns how many were terminated.
   */
  retireSpentEmergencies(): number {
    const now = this.clock.now();
    let retired = 0;
    for (const replica of this.repos.replicas.listActiveEmergencies()) {
      const agent = this.repos.agents.findById(replica.clientId, replica.agentId);
      if (!agent || agent.status === "deleted" || agent.config.manualReplicaEnabled) continue;
      const reason =
        replica.parentInstanceId !== null && replica.parentInstanceId !== agent.instanceId
          ? `the primary it protected (${replica.parentInstanceId}) was replaced`
          : now - replica.createdAt >= EMERGENCY_REPLICA_HOLD_MS
            ? "no termination notice came within 6 hours of the rebalance recommendation"
            : null;
      if (!reason) continue;
      this.repos.transaction(() => this.replicas.terminateInTransaction(agent, replica, reason));
      this.commands.dispatch(agent.id);
      retired++;
    }
    return retired;
  }

  /** The periodic sweep: every agent whose standby count is off. */
  reconcileAll(): number {
    let repaired = 0;
    for (const { clientId, agentId } of this.repos.replicas.agentsNeedingStandbyRepair()) {
      try {
        this.reconcile(clientId, agentId);
        repaired++;
      } catch (error) {
        this.logger.error("standby repair failed", { agentId, error: String(error), at: this.clock.now() });
      }
    }
    return repaired;
  }
}
