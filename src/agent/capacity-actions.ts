import type { Command } from "../../gen/spot/v1/command.js";
import { InstanceMode, ReplicaStatus } from "../../gen/spot/v1/common.js";
import { ec2ErrorMessage, type Market } from "../aws/ec2-gateway.js";
import { onDemandListPrice } from "../aws/ondemand-price-table.js";
import type { AgentContext } from "./agent-context.js";
import type { CommandOutcome } from "./protocol/command-executor.js";
import { reportedTrigger } from "./protocol/switch-trigger.js";

type Action = NonNullable<Command["action"]>;

const MANAGED_BY = "SpotOptimizer";

function baseTags(context: AgentContext): Record<string, string> {
  return { ManagedBy: MANAGED_BY, LogicalAgentId: context.logicalAgentId };
}

async function spotPriceIn(
  context: AgentContext,
  instanceType: string,
  zone: string,
): Promise<number | undefined> {
  try {
    const prices = await context.ec2.latestSpotPrices(instanceType);
    return prices.find((entry) => entry.availabilityZone === zone)?.price;
  } catch (error) {
    context.logger.warn("spot price lookup failed", { error: ec2ErrorMessage(error) });
    return undefined;
  }
}

/** An image of this instance, so the replacement carries the workload's state, not just the original AMI. */
async function imageOfSelf(context: AgentContext, purpose: string): Promise<string> {
  const { ec2, identity } = context;
  const imageId = await ec2.createImage(
    identity.instanceId,
    `spot-optimizer-${context.logicalAgentId}-${purpose}-${Date.now()}`.replace(
      /[^A-Za-z0-9()[\]./\-'@_ ]/g,
      "-",
    ),
    { ...baseTags(context), SourceInstance: identity.instanceId },
  );
  await ec2.waitForImage(imageId, {
    timeoutMs: context.timing.ec2WaitTimeoutMs,
    pollMs: context.timing.ec2PollMs,
  });
  return imageId;
}

/** Moves the workload to a new instance in `zone` on `market`, reports it, and retires this agent. */
async function switchTo(
  context: AgentContext,
  command: Command,
  target: { instanceType: string; availabilityZone: string; market: Market; terminateWaitSeconds: number },
): Promise<CommandOutcome> {
  const { ec2, identity, logger } = context;
  const initiatedAt = new Date();
  const self = await ec2.describeInstance(identity.instanceId);
  const imageId = await imageOfSelf(context, "switch");
  const imageCreatedAt = new Date();
  let newInstanceId: string;
  try {
    newInstanceId = await ec2.launch({
      imageId,
      instanceType: target.instanceType,
      availabilityZone: target.availabilityZone,
      market: target.market,
      template: self,
      tags: { ...baseTags(context), Name: `spot-optimizer-${target.market}`, CommandId: command.id },
    });
  } catch (error) {
    // Nothing uses the image now: do not leave it behind to be paid for.
    await ec2.deregisterImage(imageId).catch(() => undefined);
    throw error;
  }
  const launchedAt = new Date();
  await ec2.waitUntilRunning(newInstanceId, {
    timeoutMs: context.timing.ec2WaitTimeoutMs,
    pollMs: context.timing.ec2PollMs,
  });
  const readyAt = new Date();
  const onDemand = onDemandListPrice(identity.region, identity.instanceType) ?? undefined;
  const oldSpot =
    self.market === "spot"
      ? await spotPriceIn(context, identity.instanceType, identity.availabilityZone)
      : undefined;
  const newSpot =
    target.market === "spot"
      ? await spotPriceIn(context, target.instanceType, target.availabilityZone)
      : undefined;
  const mode = (market: Market) =>
    market === "spot" ? InstanceMode.INSTANCE_MODE_SPOT : InstanceMode.INSTANCE_MODE_ON_DEMAND;
  const poolOf = (type: string, zone: string, market: Market) => (market === "spot" ? `${type}.${zone}` : "");
  context.report({
    $case: "switchReport",
    value: {
      commandId: command.id,
      oldInstance: {
        instanceId: identity.instanceId,
        instanceType: identity.instanceType,
        region: identity.region,
        availabilityZone: identity.availabilityZone,
        mode: mode(self.market),
        poolId: poolOf(identity.instanceType, identity.availabilityZone, self.market),
        amiId: self.imageId,
      },
      newInstance: {
        instanceId: newInstanceId,
        instanceType: target.instanceType,
        region: identity.region,
        availabilityZone: target.availabilityZone,
        mode: mode(target.market),
        poolId: poolOf(target.instanceType, target.availabilityZone, target.market),
        amiId: imageId,
      },
      timing: {
        initiatedAt,
        imageCreatedAt,
        instanceLaunchedAt: launchedAt,
        instanceReadyAt: readyAt,
        oldTerminatedAt: undefined,
      },
      prices: { onDemand, oldSpot, newSpot },
      trigger: reportedTrigger(command),
    },
  });
  if (target.terminateWaitSeconds > 0) {
    logger.info("old instance will be terminated", {
      instanceId: identity.instanceId,
      inSeconds: target.terminateWaitSeconds,
    });
    // The wait runs beside other work; the command itself is done once the replacement runs.
    setTimeout(() => void terminateSelf(context, newInstanceId), target.terminateWaitSeconds * 1000);
  } else {
    context.retire(`workload moved to ${newInstanceId}; this instance is kept (terminate wait 0)`);
  }
  return {
    success: true,
    message: `switched to ${newInstanceId} (${target.market} in ${target.availabilityZone})`,
  };
}

async function terminateSelf(context: AgentContext, replacementId: string): Promise<void> {
  const { ec2, identity, logger } = context;
  try {
    await ec2.terminate(identity.instanceId);
    context.report({
      $case: "instanceTerminated",
      value: { instanceId: identity.instanceId, terminatedAt: new Date() },
    });
  } catch (error) {
    logger.error("terminating the old instance failed", { error: ec2ErrorMessage(error) });
  }
  context.retire(`workload moved to ${replacementId}; this instance was terminated`);
}

async function launchReplica(
  context: AgentContext,
  action: Extract<Action, { $case: "launchReplica" }>["value"],
) {
  const { ec2, identity } = context;
  const pool = action.pool;
  if (!pool) throw new Error("launch replica command without a pool");
  const self = await ec2.describeInstance(identity.instanceId);
  const imageId = await imageOfSelf(context, "replica");
  const market: Market = action.mode === InstanceMode.INSTANCE_MODE_ON_DEMAND ? "ondemand" : "spot";
  const instanceId = await ec2.launch({
    imageId,
    instanceType: pool.instanceType,
    availabilityZone: pool.availabilityZone,
    market,
    template: self,
    tags: { ...baseTags(context), Name: "spot-optimizer-replica", ReplicaId: action.replicaId },
  });
  context.report({
    $case: "replicaStatus",
    value: {
      replicaId: action.replicaId,
      instanceId,
      status: ReplicaStatus.REPLICA_STATUS_LAUNCHING,
      errorMessage: "",
    },
  });
  await ec2.waitUntilRunning(instanceId, {
    timeoutMs: context.timing.ec2WaitTimeoutMs,
    pollMs: context.timing.ec2PollMs,
  });
  context.report({
    $case: "replicaStatus",
    value: {
      replicaId: action.replicaId,
      instanceId,
      status: ReplicaStatus.REPLICA_STATUS_READY,
      errorMessage: "",
    },
  });
  return { success: true, message: `replica ${action.replicaId} running as ${instanceId}` };
}

/**
 * The control plane made the replica the primary. This instance hands over: it is terminated, or kept as a
 * standby when the promotion demotes it; either way its agent retires.
 */
async function promoteReplica(
  context: AgentContext,
  action: Extract<Action, { $case: "promoteReplica" }>["value"],
): Promise<CommandOutcome> {
  if (action.demoteOldPrimary) {
    context.retire(`replica ${action.instanceId} promoted; this instance stays as a standby`);
    return { success: true, message: `handed over to ${action.instanceId}; kept as standby` };
  }
  await context.ec2.terminate(context.identity.instanceId);
  context.report({
    $case: "instanceTerminated",
    value: { instanceId: context.identity.instanceId, terminatedAt: new Date() },
  });
  context.retire(`replica ${action.instanceId} promoted; this instance was terminated`);
  return { success: true, message: `handed over to ${action.instanceId}; old primary terminated` };
}

async function terminate(context: AgentContext, instanceId: string): Promise<CommandOutcome> {
  await context.ec2.terminate(instanceId);
  context.report({ $case: "instanceTerminated", value: { instanceId, terminatedAt: new Date() } });
  if (instanceId === context.identity.instanceId) context.retire("this instance was terminated by command");
  return { success: true, message: `terminated ${instanceId}` };
}

/** Carries out one capacity command with the EC2 API. EC2 errors become a failed outcome with their message. */
export async function runCapacityCommand(context: AgentContext, command: Command): Promise<CommandOutcome> {
  const action = command.action;
  try {
    switch (action?.$case) {
      case "switchToSpotPool":
        return await switchTo(context, command, {
          instanceType: action.value.instanceType || context.identity.instanceType,
          availabilityZone: action.value.availabilityZone,
          market: "spot",
          terminateWaitSeconds: action.value.terminateWaitSeconds,
        });
      case "switchToOnDemand":
        return await switchTo(context, command, {
          instanceType: action.value.instanceType || context.identity.instanceType,
          availabilityZone: action.value.availabilityZone || context.identity.availabilityZone,
          market: "ondemand",
          terminateWaitSeconds: action.value.terminateWaitSeconds,
        });
      case "launchReplica":
        return await launchReplica(context, action.value);
      case "promoteReplica":
        return await promoteReplica(context, action.value);
      case "terminateReplica":
        return await terminate(context, action.value.instanceId);
      case "terminateInstance":
        return await terminate(context, action.value.instanceId);
      default:
        return {
          success: false,
          message: `command ${action?.$case ?? "without an action"} is not a capacity command`,
        };
    }
  } catch (error) {
    return { success: false, message: ec2ErrorMessage(error) };
  }
}
