import type { AgentMessage, CleanupReport, ServerMessage } from "../../../gen/spot/v1/agent_service.js";
import type { Command } from "../../../gen/spot/v1/command.js";
import type { InstanceRef } from "../../../gen/spot/v1/common.js";
import type { Command as DomainCommand } from "../../core/commands/command.js";
import type { CleanupKind } from "../../core/interruptions/cleanup-report.js";
import type { InboundEnvelope, InboundMessage, OutboundMessage } from "../../core/sessions/agent-messages.js";
import type { SwitchSideInput } from "../../core/switches/switch-service.js";
import {
  configToProto,
  durationToProto,
  modeFromProto,
  modeToProto,
  replicaKindToProto,
  replicaStatusFromProto,
  syncStatusFromProto,
  timeFromProto,
  timeToProto,
} from "./proto-convert.js";

/** Decodes an agent's protobuf message into the core's message type. Throws AppError on invalid values. */
export function decodeAgentMessage(message: AgentMessage): InboundEnvelope {
  return { seq: message.seq, message: decodeBody(message.body) };
}

function decodeBody(body: AgentMessage["body"]): InboundMessage | undefined {
  if (!body) return undefined;
  switch (body.$case) {
    case "hello": {
      const hello = body.value;
      return {
        type: "hello",
        identity: {
          logicalAgentId: hello.logicalAgentId,
          instanceId: hello.instanceId,
          instanceType: hello.instanceType,
          region: hello.region,
          availabilityZone: hello.availabilityZone,
          mode: modeFromProto(hello.mode),
          agentVersion: hello.agentVersion,
          privateIp: hello.privateIp || null,
          publicIp: hello.publicIp || null,
          hostname: hello.hostname || null,
          amiId: hello.amiId || null,
          reregister: hello.reregister,
        },
      };
    }
    case "heartbeat":
      return { type: "heartbeat" };
    case "pricingReport": {
      const report = body.value;
      return {
        type: "pricing_report",
        report: {
          onDemandPrice: report.onDemandPrice ?? null,
          pools: report.pools.map((pool) => ({
            instanceType: pool.instanceType,
            availabilityZone: pool.availabilityZone,
            price: pool.price,
          })),
          collectedAt: timeFromProto("collected_at", report.collectedAt),
        },
      };
    }
    case "switchReport": {
      const report = body.value;
      const timing = report.timing;
      return {
        type: "switch_report",
        report: {
          commandId: report.commandId || null,
          from: decodeSide(report.oldInstance),
          to: decodeSide(report.newInstance),
          timing: {
            initiatedAt: timeFromProto("timing.initiated_at", timing?.initiatedAt),
            imageCreatedAt: timeFromProto("timing.image_created_at", timing?.imageCreatedAt),
            instanceLaunchedAt: timeFromProto("timing.instance_launched_at", timing?.instanceLaunchedAt),
            instanceReadyAt: timeFromProto("timing.instance_ready_at", timing?.instanceReadyAt),
            oldTerminatedAt: timeFromProto("timing.old_terminated_at", timing?.oldTerminatedAt),
          },
          prices: {
            onDemand: report.prices?.onDemand ?? null,
            oldSpot: report.prices?.oldSpot ?? null,
            newSpot: report.prices?.newSpot ?? null,
          },
          // report.trigger is deprecated: the control plane derives the trigger from the command.
        },
      };
    }
    case "terminationNotice":
      return {
        type: "termination_notice",
        signal: {
          instanceId: body.value.instanceId,
          action: body.value.action || null,
          actionAt: timeFromProto("action_time", body.value.actionTime),
          detectedAt: timeFromProto("detected_at", body.value.detectedAt),
        },
      };
    case "rebalanceRecommendation":
      return {
        type: "rebalance_recommendation",
        signal: {
          instanceId: body.value.instanceId,
          action: null,
          actionAt: null,
          detectedAt: timeFromProto("detected_at", body.value.detectedAt),
        },
      };
    case "cleanupReport":
      return {
        type: "cleanup_report",
        report: {
          kind: cleanupKind(body.value),
          deletedSnapshotIds: body.value.deletedSnapshotIds,
          deletedImageIds: body.value.deletedImageIds,
          failures: body.value.failures.map((failure) => ({
            resourceId: failure.resourceId,
            error: failure.error,
          })),
          snapshotCutoff: timeFromProto("snapshot_cutoff", body.value.snapshotCutoff),
          imageCutoff: timeFromProto("image_cutoff", body.value.imageCutoff),
        },
      };
    case "replicaStatus":
      return {
        type: "replica_status",
        replicaId: body.value.replicaId,
        instanceId: body.value.instanceId || null,
        status: replicaStatusFromProto(body.value.status),
        errorMessage: body.value.errorMessage || null,
      };
    case "replicaSync":
      return {
        type: "replica_sync",
        replicaId: body.value.replicaId,
        update: {
          syncStatus: syncStatusFromProto(body.value.syncStatus),
          syncLatencyMs: body.value.syncLatencyMs || undefined,
          stateTransferProgress: body.value.stateTransferProgress || undefined,
        },
      };
    case "commandAck":
      return { type: "command_ack", commandId: body.value.commandId };
    case "commandResult":
      return {
        type: "command_result",
        commandId: body.value.commandId,
        success: body.value.success,
        message: body.value.message,
      };
    case "instanceTerminated":
      return {
        type: "instance_terminated",
        instanceId: body.value.instanceId,
        terminatedAt: timeFromProto("terminated_at", body.value.terminatedAt),
      };
  }
}

/**
 * Which parts a cleanup covered: a part with its cutoff set ran (without cutoffs, a part that deleted something
 * ran). Both, or neither, is a full cleanup.
 */
function cleanupKind(report: CleanupReport): CleanupKind {
  const byCutoff = report.snapshotCutoff !== undefined || report.imageCutoff !== undefined;
  const snapshots = byCutoff ? report.snapshotCutoff !== undefined : report.deletedSnapshotIds.length > 0;
  const images = byCutoff ? report.imageCutoff !== undefined : report.deletedImageIds.length > 0;
  return snapshots && !images ? "snapshots" : images && !snapshots ? "amis" : "full";
}

function decodeSide(ref: InstanceRef | undefined): SwitchSideInput {
  return {
    instanceId: ref?.instanceId ?? "",
    instanceType: ref?.instanceType ?? "",
    availabilityZone: ref?.availabilityZone ?? "",
    mode: modeFromProto(ref?.mode ?? 0),
    amiId: ref?.amiId || null,
  };
}

/** Encodes the core's outbound message as the protobuf the agent reads. */
export function encodeServerMessage(message: OutboundMessage): ServerMessage {
  switch (message.type) {
    case "welcome":
      return {
        body: {
          $case: "welcome",
          value: {
            agentId: message.agentId,
            clientId: message.clientId,
            config: configToProto(message.config),
            heartbeatInterval: durationToProto(message.heartbeatIntervalMs),
            livenessDeadline: durationToProto(message.livenessDeadlineMs),
          },
        },
      };
    case "command":
      return { body: { $case: "command", value: encodeCommand(message.command) } };
    case "ping":
      return { body: { $case: "ping", value: { sentAt: new Date(message.at) } } };
    case "rejection":
      return {
        body: {
          $case: "rejection",
          value: { seq: message.seq, code: message.code, message: message.message },
        },
      };
    case "receipt":
      return { body: { $case: "receipt", value: { seq: message.seq } } };
  }
}

export function encodeCommand(command: DomainCommand): Command {
  const action = command.action;
  let encoded: Command["action"];
  switch (action.type) {
    case "switch_to_spot_pool":
      encoded = {
        $case: "switchToSpotPool",
        value: {
          poolId: action.poolId,
          instanceType: action.instanceType,
          availabilityZone: action.availabilityZone,
          terminateWaitSeconds: action.terminateWaitSeconds,
        },
      };
      break;
    case "switch_to_on_demand":
      encoded = {
        $case: "switchToOnDemand",
        value: {
          instanceType: action.instanceType,
          availabilityZone: action.availabilityZone,
          terminateWaitSeconds: action.terminateWaitSeconds,
        },
      };
      break;
    case "launch_replica":
      encoded = {
        $case: "launchReplica",
        value: {
          replicaId: action.replicaId,
          pool: { ...action.pool },
          mode: modeToProto(action.mode),
          kind: replicaKindToProto(action.kind),
        },
      };
      break;
    case "promote_replica":
      encoded = {
        $case: "promoteReplica",
        value: {
          replicaId: action.replicaId,
          instanceId: action.instanceId,
          demoteOldPrimary: action.demoteOldPrimary,
        },
      };
      break;
    case "terminate_replica":
      encoded = {
        $case: "terminateReplica",
        value: { replicaId: action.replicaId, instanceId: action.instanceId },
      };
      break;
    case "terminate_instance":
      encoded = { $case: "terminateInstance", value: { instanceId: action.instanceId } };
      break;
    case "apply_config":
      encoded = { $case: "applyConfig", value: { config: configToProto(action.config) } };
      break;
  }
  return {
    id: command.id,
    priority: command.priority,
    createdAt: timeToProto(command.createdAt),
    expiresAt: timeToProto(command.expiresAt),
    reason: command.reason,
    action: encoded,
  };
}
