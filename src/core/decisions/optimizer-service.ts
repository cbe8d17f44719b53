import type { Agent } from "../agents/agent.js";
import type { AgentRepository } from "../agents/agent-repository.js";
import { AppError } from "../errors/app-error.js";
import { TimeSlice } from "../jobs/time-slice.js";
import type { Logger } from "../logging/logger.js";
import type { DecisionService } from "./decision-service.js";
import type { MarketRound } from "./live-market.js";

/** Agents read per query of an optimizer run. */
const OPTIMIZER_PAGE = 200;

export interface OptimizerSummary {
  evaluated: number;
  issued: number;
  dryRun: number;
  held: number;
  stayed: number;
  failed: number;
  /** Decisions that repeated the agent's last one and were not stored again. */
  repeated: number;
  [key: string]: number;
}

export interface OptimizerServiceDeps {
  store: { agents: AgentRepository };
  decisions: DecisionService;
  logger: Logger;
  dryRun: boolean;
}

/**
 * The automatic optimizer: every online, enabled agent with auto-switch on gets a decision; a switch the
 * guard-rails allow is issued as a command pushed on the agent's stream (or, in dry-run mode, only recorded).
 * One agent at a time, with the event loop running in between.
 */
export class OptimizerService {
  constructor(private readonly deps: OptimizerServiceDeps) {}

  async run(signal?: AbortSignal): Promise<OptimizerSummary> {
    const summary: OptimizerSummary = {
      evaluated: 0,
      issued: 0,
      dryRun: 0,
      held: 0,
      stayed: 0,
      failed: 0,
      repeated: 0,
    };
    // Page by page: a fleet of thousands is never read in one blocking query.
    const { agents } = this.deps.store;
    let page = await agents.listAutoSwitching("", OPTIMIZER_PAGE);
    if (page.length === 0) return summary;
    const round = await this.deps.decisions.marketRound();
    const slice = new TimeSlice(10, signal);
    while (page.length > 0) {
      for (const agent of page) {
        slice.throwIfStopped();
        await this.evaluate(agent, round, summary);
        await slice.pause();
      }
      page = await agents.listAutoSwitching((page.at(-1) as Agent).id, OPTIMIZER_PAGE);
    }
    return summary;
  }

  private async evaluate(agent: Agent, round: MarketRound, summary: OptimizerSummary) {
    try {
      const { record, stored } = await this.deps.decisions.optimize(agent, this.deps.dryRun, round);
      summary.evaluated++;
      if (!stored) summary.repeated++;
      if (record.outcome === "issued") summary.issued++;
      else if (record.outcome === "dry_run") summary.dryRun++;
      else if (record.outcome === "held") summary.held++;
      else summary.stayed++;
    } catch (error) {
      // One agent that cannot be decided (deleted meanwhile, no on-demand price) does not stop the others.
      summary.failed++;
      if (!(error instanceof AppError)) throw error;
      this.deps.logger.debug("optimizer skipped an agent", { agentId: agent.id, reason: error.message });
    }
  }
}
