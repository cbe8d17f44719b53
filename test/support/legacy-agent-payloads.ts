import { rest } from "./rest.js";
import { newInstanceId } from "./test-agent.js";

/**
 * Request bodies exactly as the original system's agents build them (agent/spot_optimizer_agent.py v4.0.0 and
 * agent/spot_agent_production_v2_final.py v3.2.0; spec §3), so tests drive the legacy routes with real payloads.
 */

/** Python's datetime.now(timezone.utc).isoformat(): microseconds and "+00:00". */
export const pyIso = (ms: number): string => new Date(ms).toISOString().replace("Z", "000+00:00");
/** Python's datetime.utcnow().isoformat() + "Z" (agent v3.2). */
export const pyUtcZ = (ms: number): string => new Date(ms).toISOString().replace("Z", "000Z");

export interface LegacyInstance {
  instanceId: string;
  instanceType: string;
  az: string;
  mode: "spot" | "ondemand";
}

export function legacyInstance(overrides: Partial<LegacyInstance> = {}): LegacyInstance {
  return {
    instanceId: newInstanceId(),
    instanceType: "m5.large",
    az: "us-east-1a",
    mode: "spot",
    ...overrides,
  };
}

/** v4 `_register`: public_ip is None without a public address. */
export function v4Register(token: string, logicalAgentId: string, instance: LegacyInstance) {
  return {
    client_token: token,
    hostname: "ip-10-0-1-23",
    instance_id: instance.instanceId,
    instance_type: instance.instanceType,
    region: "us-east-1",
    az: instance.az,
    ami_id: "ami-0abcdef1234567890",
    agent_version: "4.0.0",
    logical_agent_id: logicalAgentId,
    mode: instance.mode,
    private_ip: "10.0.1.23",
    public_ip: null,
  };
}

/** v3.2 `_register`: no mode, no addresses. */
export function v32Register(token: string, logicalAgentId: string, instance: LegacyInstance) {
  return {
    client_token: token,
    hostname: "ip-10-0-1-24",
    instance_id: instance.instanceId,
    instance_type: instance.instanceType,
    region: "us-east-1",
    az: instance.az,
    ami_id: "ami-0abcdef1234567890",
    agent_version: "3.2.0",
    logical_agent_id: logicalAgentId,
  };
}

/** v4 `_heartbeat_worker`. */
export function v4Heartbeat(instance: LegacyInstance, status = "online") {
  return {
    status,
    monitored_instances: [instance.instanceId],
    instance_id: instance.instanceId,
    instance_type: instance.instanceType,
    mode: instance.mode,
    az: instance.az,
  };
}

/** v4 `_shutdown`: the last heartbeat. */
export const v4ShutdownHeartbeat = { status: "offline", monitored_instances: [] };

/** v4 `_pricing_report_worker` for an agent on spot in us-east-1. */
export function v4PricingReport(instance: LegacyInstance, collectedAt: number) {
  const spotPools = [
    { pool_id: "m5.large.us-east-1a", instance_type: "m5.large", az: "us-east-1a", price: 0.035 },
    { pool_id: "m5.large.us-east-1b", instance_type: "m5.large", az: "us-east-1b", price: 0.03 },
    { pool_id: "m5.large.us-east-1c", instance_type: "m5.large", az: "us-east-1c", price: 0.04 },
  ];
  return {
    instance: {
      instance_id: instance.instanceId,
      instance_type: instance.instanceType,
      region: "us-east-1",
      az: instance.az,
      mode: instance.mode,
      pool_id: `${instance.instanceType}.${instance.az}`,
    },
    pricing: {
      on_demand_price: 0.096,
      current_spot_price: 0.035,
      cheapest_pool: { pool_id: "m5.large.us-east-1b", price: 0.03 },
      spot_pools: spotPools,
      collected_at: pyIso(collectedAt),
    },
  };
}

/** v3.2 `_pricing_report_worker`: everything at the top level, on-demand as {price}. */
export function v32PricingReport(instance: LegacyInstance) {
  return {
    instance: {
      instance_id: instance.instanceId,
      instance_type: instance.instanceType,
      region: "us-east-1",
      az: instance.az,
      current_mode: instance.mode,
      current_pool_id: `${instance.instanceType}.${instance.az}`,
    },
    on_demand_price: { price: 0.096 },
    spot_pools: [
      { pool_id: "m5.large.us-east-1d", instance_type: "m5.large", az: "us-east-1d", price: 0.033 },
    ],
  };
}

/**
 * v4 `execute_switch` after a successful switch: `prices` (not `pricing`), its own timing names, no command id;
 * old_instance_terminated_at only when the old instance was terminated.
 */
export function v4SwitchReport(
  from: LegacyInstance,
  to: LegacyInstance,
  options: { now: number; priority: number; oldTerminated: boolean },
) {
  const at = (secondsAgo: number) => pyIso(options.now - secondsAgo * 1000);
  const timing: Record<string, string | null> = {
    switch_initiated_at: at(120),
    new_instance_launched_at: at(100),
    new_instance_ready_at: at(60),
    traffic_switched_at: at(58),
  };
  if (options.oldTerminated) timing.old_instance_terminated_at = at(5);
  const prices: Record<string, number | null> = { on_demand: 0.096 };
  if (from.mode === "spot") prices.old_spot = 0.035;
  if (to.mode === "spot") prices.new_spot = 0.03;
  const side = (instance: LegacyInstance, mode: string) => ({
    instance_id: instance.instanceId,
    instance_type: instance.instanceType,
    region: "us-east-1",
    az: instance.az,
    ami_id: "ami-0abcdef1234567890",
    mode,
    pool_id: instance.mode === "spot" ? `${instance.instanceType}.${instance.az}` : null,
  });
  return {
    old_instance: side(from, from.mode),
    new_instance: side(to, to.mode),
    snapshot: { used: false },
    prices,
    timing,
    trigger: options.priority >= 50 ? "manual" : "model",
  };
}

/** v4 `run_full_cleanup`. */
export function v4CleanupReport(now: number) {
  return {
    timestamp: pyIso(now),
    snapshots: {
      type: "snapshots",
      deleted: ["snap-0aaa1111", "snap-0aaa2222"],
      failed: [{ id: "snap-0bbb3333", error: "An error occurred (InvalidSnapshot.NotFound)" }],
      cutoff_date: pyIso(now - 7 * 86_400_000),
    },
    amis: {
      type: "amis",
      deleted_amis: ["ami-0ccc4444"],
      deleted_snapshots: ["snap-0ddd5555"],
      failed: [],
      cutoff_date: pyIso(now - 30 * 86_400_000),
    },
  };
}

/** REST calls of a polling agent, as the original agent makes them (bearer token on every call). */
export function legacyClient(baseUrl: string, token: string) {
  return {
    post: (path: string, body?: unknown) => rest(baseUrl, "POST", path, { token, body }),
    get: (path: string) => rest(baseUrl, "GET", path, { token }),
    /** Registers with a v4 payload; fails the test unless the server answers 200. */
    async register(logicalAgentId: string, instance: LegacyInstance): Promise<string> {
      const answer = await rest(baseUrl, "POST", "/api/agents/register", {
        token,
        body: v4Register(token, logicalAgentId, instance),
      });
      if (answer.status !== 200) throw new Error(`register: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body.agent_id as string;
    },
  };
}
