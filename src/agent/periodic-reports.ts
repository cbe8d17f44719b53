import { ec2ErrorMessage } from "../aws/ec2-gateway.js";
import { onDemandListPrice } from "../aws/ondemand-price-table.js";
import type { AgentContext } from "./agent-context.js";

/** Spot prices of the agent's type in every zone of its region, and the on-demand list price when known. */
export async function reportPrices(context: AgentContext): Promise<void> {
  const { identity, ec2, logger } = context;
  try {
    const prices = await ec2.latestSpotPrices(identity.instanceType);
    const onDemand = onDemandListPrice(identity.region, identity.instanceType);
    if (onDemand === null) logger.debug("on-demand price unknown", { instanceType: identity.instanceType });
    context.report(
      {
        $case: "pricingReport",
        value: {
          onDemandPrice: onDemand ?? undefined,
          pools: prices.map((price) => ({ instanceType: identity.instanceType, ...price })),
          collectedAt: new Date(),
        },
      },
      // A lost pricing report is replaced by the next one.
      { durable: false },
    );
  } catch (error) {
    logger.warn("pricing report failed", { error: ec2ErrorMessage(error) });
  }
}

/** Deletes this agent's own images (and their snapshots) older than the retention, except the running one's. */
export async function cleanUpImages(context: AgentContext, retentionMs: number): Promise<void> {
  const { ec2, identity, logger } = context;
  const cutoff = Date.now() - retentionMs;
  const deletedImageIds: string[] = [];
  const deletedSnapshotIds: string[] = [];
  const failures: Array<{ resourceId: string; error: string }> = [];
  try {
    const images = await ec2.ownImages({
      ManagedBy: "SpotOptimizer",
      LogicalAgentId: context.logicalAgentId,
    });
    for (const image of images) {
      if (image.createdAt >= cutoff || image.imageId === identity.amiId) continue;
      try {
        await ec2.deregisterImage(image.imageId);
        deletedImageIds.push(image.imageId);
      } catch (error) {
        failures.push({ resourceId: image.imageId, error: ec2ErrorMessage(error) });
        continue;
      }
      for (const snapshotId of image.snapshotIds) {
        try {
          await ec2.deleteSnapshot(snapshotId);
          deletedSnapshotIds.push(snapshotId);
        } catch (error) {
          failures.push({ resourceId: snapshotId, error: ec2ErrorMessage(error) });
        }
      }
    }
  } catch (error) {
    logger.warn("cleanup failed", { error: ec2ErrorMessage(error) });
    return;
  }
  context.report({
    $case: "cleanupReport",
    value: {
      deletedSnapshotIds,
      deletedImageIds,
      failures,
      snapshotCutoff: new Date(cutoff),
      imageCutoff: new Date(cutoff),
    },
  });
}
