import type { AgentContext } from "./agent-context.js";
import type { ImdsClient } from "./imds-client.js";

/**
 * Polls instance metadata for the 2-minute spot interruption notice and the rebalance recommendation and reports
 * each signal once, as soon as it appears (a rebalance recommendation that goes away and comes back is a new one).
 */
export class InterruptionWatch {
  private timer: NodeJS.Timeout | undefined;
  private noticeReported = false;
  private rebalanceReported = false;
  private polling = false;

  constructor(
    private readonly context: AgentContext,
    private readonly imds: ImdsClient,
    private readonly pollMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    void this.poll();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    const { identity, logger } = this.context;
    try {
      if (!this.noticeReported) {
        const notice = await this.imds.instanceAction();
        if (notice) {
          this.noticeReported = true;
          logger.warn("spot interruption notice", { action: notice.action, time: notice.time });
          this.context.report({
            $case: "terminationNotice",
            value: {
              instanceId: identity.instanceId,
              action: notice.action,
              actionTime: notice.time === null ? undefined : new Date(notice.time),
              detectedAt: new Date(),
            },
          });
        }
      }
      const rebalance = await this.imds.rebalanceRecommendation();
      if (rebalance && !this.rebalanceReported) {
        this.rebalanceReported = true;
        logger.warn("rebalance recommendation", { noticeTime: rebalance.noticeTime });
        this.context.report({
          $case: "rebalanceRecommendation",
          value: { instanceId: identity.instanceId, detectedAt: new Date() },
        });
      } else if (!rebalance) {
        this.rebalanceReported = false;
      }
    } catch (error) {
      logger.debug("instance metadata poll failed", { error: String(error) });
    } finally {
      this.polling = false;
    }
  }
}
