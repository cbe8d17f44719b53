import type { Replica } from "../../../gen/spot/v1/common.js";
import {
  InterruptionSignal as ProtoSignal,
  type ReplicaServiceServer,
} from "../../../gen/spot/v1/replica_service.js";
import type { Authenticator } from "../../core/auth/authenticator.js";
import type { ClientContext } from "../../core/clients/client.js";
import type { Clock } from "../../core/clock/clock.js";
import { invalidArgument } from "../../core/errors/app-error.js";
import type { InterruptionSignal } from "../../core/interruptions/interruption.js";
import type { SignalService } from "../../core/interruptions/signal-service.js";
import type { Logger } from "../../core/logging/logger.js";
import type { Replica as DomainReplica } from "../../core/replicas/replica.js";
import type { ReplicaService } from "../../core/replicas/replica-service.js";
import type { DecodedServer } from "./decoded-server.js";
import {
  replicaKindToProto,
  replicaStatusFromProto,
  replicaStatusToProto,
  syncStatusFromProto,
  syncStatusToProto,
  timeFromProto,
  timeToProto,
} from "./proto-convert.js";
import { clientUnary } from "./unary.js";

export interface ReplicaHandlerDeps {
  authenticator: Authenticator;
  replicas: ReplicaService;
  signals: SignalService;
  clock: Clock;
  logger: Logger;
}

export function replicaToProto(replica: DomainReplica): Replica {
  return {
    id: replica.id,
    agentId: replica.agentId,
    instanceId: replica.instanceId ?? "",
    kind: replicaKindToProto(replica.kind),
    status: replicaStatusToProto(replica.status),
    syncStatus: syncStatusToProto(replica.syncStatus),
    syncLatencyMs: replica.syncLatencyMs ?? 0,
    stateTransferProgress: replica.stateTransferProgress,
    pool: { ...replica.pool },
    hourlyCost: replica.hourlyCost ?? 0,
    createdBy: replica.createdBy,
    createdAt: timeToProto(replica.createdAt),
    readyAt: timeToProto(replica.readyAt),
    promotedAt: timeToProto(replica.promotedAt),
    terminatedAt: timeToProto(replica.terminatedAt),
    errorMessage: replica.errorMessage ?? "",
    lastSyncAt: timeToProto(replica.lastSyncAt),
  };
}

function signalFromProto(signal: ProtoSignal): InterruptionSignal {
  if (signal === ProtoSignal.INTERRUPTION_SIGNAL_REBALANCE_RECOMMENDATION) return "rebalance_recommendation";
  if (signal === ProtoSignal.INTERRUPTION_SIGNAL_TERMINATION_NOTICE) return "termination_notice";
  throw invalidArgument("signal must be REBALANCE_RECOMMENDATION or TERMINATION_NOTICE");
}

/** spot.v1.ReplicaService: the replica routes of the original, on the core's replica and failover use cases. */
export function createReplicaServiceHandler(deps: ReplicaHandlerDeps): DecodedServer<ReplicaServiceServer> {
  const { replicas, signals } = deps;
  const call = <Req, Res>(rpc: string, run: (request: Req, caller: ClientContext) => Promise<Res>) =>
    clientUnary<Req, Res>(deps.authenticator, deps.logger, `ReplicaService/${rpc}`, run);

  return {
    createReplica: call("CreateReplica", async (request, caller) => ({
      replica: replicaToProto(
        await replicas.create(caller, request.agentId, {
          poolId: request.poolId || null,
          excludeZones: request.excludeZones,
          maxHourlyCost: request.maxHourlyCost ?? null,
        }),
      ),
    })),
    listReplicas: call("ListReplicas", async (request, caller) => ({
      replicas: (
        await replicas.list(caller, request.agentId, { includeTerminated: request.includeTerminated })
      ).map(replicaToProto),
    })),
    promoteReplica: call("PromoteReplica", async (request, caller) => {
      // Unset keeps the old primary as the standby: terminating it must be asked for.
      const promotion = await replicas.promote(caller, request.agentId, request.replicaId, {
        demoteOldPrimary: request.demoteOldPrimary ?? true,
      });
      return {
        newInstanceId: promotion.newInstanceId,
        oldInstanceId: promotion.oldInstanceId,
        demoted: promotion.demoted,
        switchedAt: timeToProto(promotion.switchedAt),
        commandId: promotion.command.id,
      };
    }),
    deleteReplica: call("DeleteReplica", async (request, caller) => ({
      replica: replicaToProto(await replicas.delete(caller, request.agentId, request.replicaId)),
    })),
    updateReplicaInstance: call("UpdateReplicaInstance", async (request, caller) => ({
      replica: replicaToProto(
        await replicas.attachInstance(
          caller,
          request.agentId,
          request.replicaId,
          request.instanceId,
          replicaStatusFromProto(request.status) ?? undefined,
        ),
      ),
    })),
    updateReplicaStatus: call("UpdateReplicaStatus", async (request, caller) => {
      const status = replicaStatusFromProto(request.status);
      if (!status) throw invalidArgument("status is required");
      return {
        replica: replicaToProto(
          await replicas.updateStatus(
            caller,
            request.agentId,
            request.replicaId,
            status,
            request.errorMessage || undefined,
          ),
        ),
      };
    }),
    updateReplicaSyncStatus: call("UpdateReplicaSyncStatus", async (request, caller) => ({
      replica: replicaToProto(
        await replicas.updateSync(caller, request.agentId, request.replicaId, {
          syncStatus: syncStatusFromProto(request.syncStatus),
          syncLatencyMs: request.syncLatencyMs,
          stateTransferProgress: request.stateTransferProgress,
        }),
      ),
    })),
    createEmergencyReplica: call("CreateEmergencyReplica", async (request, caller) => {
      const signal = signalFromProto(request.signal);
      const recorded = await signals.recordInterruption(caller, request.agentId, signal, {
        instanceId: request.instanceId,
        action: null,
        actionAt: timeFromProto("termination_time", request.terminationTime),
        detectedAt: null,
      });
      const replicaId = recorded.response?.replicaId;
      return {
        replica: replicaId
          ? replicaToProto(await replicas.get(caller, request.agentId, replicaId))
          : undefined,
        urgency: signal === "termination_notice" ? "critical" : "high",
        created: !recorded.duplicate && recorded.response?.action === "emergency_replica",
      };
    }),
    terminationImminent: call("TerminationImminent", async (request, caller) => {
      const recorded = await signals.recordInterruption(caller, request.agentId, "termination_notice", {
        instanceId: request.instanceId,
        action: "terminate",
        actionAt: timeFromProto("termination_time", request.terminationTime),
        detectedAt: null,
      });
      const response = recorded.response;
      const replica = response?.replicaId
        ? await replicas.get(caller, request.agentId, response.replicaId)
        : null;
      return {
        action: response?.action ?? "no_action",
        newInstanceId: replica?.instanceId ?? "",
        replicaId: replica?.id ?? "",
        commandId: response?.commandId ?? "",
        failoverTimeMs: Math.max(0, deps.clock.now() - recorded.interruption.receivedAt),
      };
    }),
  };
}
