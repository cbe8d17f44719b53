import type { InstanceWithOwner } from "../../../core/instances/instance.js";
import { isoTime, poolLabel } from "./legacy-values.js";

/** One row of the client's instance list (C10). */
export function presentInstance(instance: InstanceWithOwner) {
  return {
    id: instance.id,
    type: instance.instanceType,
    region: instance.region,
    az: instance.availabilityZone,
    mode: instance.mode,
    poolId: poolLabel(instance.poolId),
    spotPrice: instance.spotPrice,
    onDemandPrice: instance.onDemandPrice,
    isActive: instance.state === "running",
    lastSwitch: isoTime(instance.lastSwitchAt),
    state: instance.state,
    role: instance.role,
    agentId: instance.agentId,
    logicalAgentId: instance.logicalAgentId,
    launchedAt: isoTime(instance.launchedAt),
    terminatedAt: isoTime(instance.terminatedAt),
    /** When its agent was deleted and it left the managed fleet (state unmanaged). */
    unmanagedAt: isoTime(instance.unmanagedAt),
  };
}

/** One row of the operator's instance list across clients (D8). */
export function presentAdminInstance(instance: InstanceWithOwner) {
  return {
    ...presentInstance(instance),
    clientId: instance.clientId,
    clientName: instance.clientName,
    agentStatus: instance.agentStatus,
  };
}
