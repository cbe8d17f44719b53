import {
  DescribeInstancesCommand,
  DescribeSpotPriceHistoryCommand,
  type EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { pyIso } from "./legacy-agent-payloads.js";
import { restFrom } from "./rest-from.js";

export interface V4AgentOptions {
  /** The control plane's REST listener, e.g. http://127.0.0.1:8080 (SPOT_OPTIMIZER_SERVER_URL). */
  server: string;
  token: string;
  logicalAgentId: string;
  /** The instance's metadata service (an IMDSv2 emulator describing this instance). */
  imds: string;
  /** EC2 (moto). */
  ec2: EC2Client;
  /** The address the instance's calls come from, as the control plane sees it (127.0.0.x here). */
  localAddress: string;
  /** Milliseconds per second of the agent's own intervals and sleeps: 1000 is real time, 10 runs 100× faster. */
  msPerSecond: number;
  /** Told of every instance the agent launches, as soon as EC2 answers (before it waits for it to run). */
  onLaunch?: (instanceId: string, purpose: "switch" | "replica") => void;
}

interface Details {
  instanceId: string;
  instanceType: string;
  az: string;
  amiId: string;
  mode: "spot" | "ondemand";
  poolId: string | null;
  subnetId: string | undefined;
  securityGroups: string[];
}

type Json = Record<string, unknown>;
const REGION = "us-east-1";

/**
 * The original system's agent v4.0.0 (agent/spot_optimizer_agent.py; spec §3), re-enacted call for call: the
 * same requests with the same payloads, in the same order, with the same worker loops and intervals (scaled by
 * `msPerSecond`), against real EC2 calls (moto) and real instance metadata (the IMDS emulator). Like the original
 * it executes only the first command of each poll, runs a switch inline (the terminate wait included), launches
 * every replica its replica poll lists that has an id, a pool_id and an az, and stops itself after a switch that
 * terminated its instance, with a last heartbeat `offline`. Not re-enacted: the pricing and cleanup workers.
 */
export class V4Agent {
  agentId = "";
  readonly instanceId: string;
  /** Every call to the control plane: method, path, status (0: no answer) and answer. */
  readonly calls: Array<{ method: string; path: string; status: number; body: unknown }> = [];
  readonly launched: string[] = [];
  readonly terminated: string[] = [];
  /** Command ids taken from pending-commands and executed (the first of each poll). */
  readonly executed: string[] = [];
  /** Items of pending-commands this agent could not run (v4 only knows switch and create_replica). */
  readonly unexpected: unknown[] = [];
  /** The command worker and the replica worker can be held, as if busy, so a test can order the polls. */
  readonly hold = { commands: false, replicas: false };
  readonly stopped: Promise<string>;
  private running = true;
  private enabled = true;
  private workers: Array<Promise<void>> = [];
  private readonly wakers = new Set<() => void>();
  private finish!: (reason: string) => void;

  private constructor(
    private readonly options: V4AgentOptions,
    instanceId: string,
  ) {
    this.instanceId = instanceId;
    this.stopped = new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  /** `main()`: reads metadata, registers (fails like the original exits when registration fails), starts workers. */
  static async start(options: V4AgentOptions): Promise<V4Agent> {
    const probe = new ImdsReader(options.imds);
    const instanceId = await probe.read("meta-data/instance-id");
    if (!instanceId) throw new Error("Cannot determine instance ID from metadata");
    const agent = new V4Agent(options, instanceId);
    await agent.register(probe);
    agent.workers = [
      agent.loop(30, () => agent.heartbeatOnce(probe)),
      agent.loop(15, () => agent.pendingCommandsOnce()),
      agent.loop(30, () => agent.replicaPollOnce()),
      agent.loop(60, () => agent.configOnce()),
      agent.loop(5, () => agent.terminationCheckOnce(probe)),
      agent.loop(30, () => agent.rebalanceCheckOnce(probe)),
    ];
    return agent;
  }

  /** A request from this instance's address, as the pricing worker (not re-enacted) would send it. */
  post(path: string, body: unknown): Promise<Json | null> {
    return this.call("POST", `/api/agents/${this.agentId}${path}`, body);
  }

  /** How many calls of `method path` it made so far. */
  count(method: string, path: string): number {
    return this.calls.filter((call) => call.method === method && call.path.endsWith(path)).length;
  }

  /** SIGTERM: the workers stop, then the last heartbeat says `offline`. */
  async stop(): Promise<void> {
    await this.shutdown("signal");
  }

  private seconds(value: number): number {
    return value * this.options.msPerSecond;
  }

  /** shutdown_event.wait(seconds): returns early when the agent stops. */
  private sleep(seconds: number): Promise<void> {
    return new Promise((resolve) => {
      const waker = () => {
        clearTimeout(timer);
        this.wakers.delete(waker);
        resolve();
      };
      const timer = setTimeout(waker, this.seconds(seconds));
      this.wakers.add(waker);
    });
  }

  private async loop(intervalSeconds: number, step: () => Promise<void>): Promise<void> {
    while (this.running) {
      try {
        await step();
      } catch {
        // The original logs and carries on.
      }
      if (!this.running) return;
      await this.sleep(intervalSeconds);
    }
  }

  private async shutdown(reason: string): Promise<void> {
    if (!this.running) return this.stopped.then(() => undefined);
    this.running = false;
    for (const wake of this.wakers) wake();
    // thread.join(timeout=5) for each worker.
    await Promise.race([Promise.all(this.workers), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    await this.call("POST", `/api/agents/${this.agentId}/heartbeat`, {
      status: "offline",
      monitored_instances: [],
    });
    this.finish(reason);
  }

  private async register(imds: ImdsReader): Promise<void> {
    const privateIp = (await imds.read("meta-data/local-ipv4")) ?? "unknown";
    const mode = await this.detectMode(imds);
    const answer = await this.call("POST", "/api/agents/register", {
      client_token: this.options.token,
      hostname: `ip-${privateIp.replaceAll(".", "-")}`,
      instance_id: this.instanceId,
      instance_type: (await imds.read("meta-data/instance-type")) ?? "unknown",
      region: REGION,
      az: (await imds.read("meta-data/placement/availability-zone")) ?? "unknown",
      ami_id: (await imds.read("meta-data/ami-id")) ?? "unknown",
      agent_version: "4.0.0",
      logical_agent_id: this.options.logicalAgentId,
      mode,
      private_ip: privateIp,
      public_ip: await imds.read("meta-data/public-ipv4"),
    });
    if (!answer || typeof answer.agent_id !== "string") throw new Error("Failed to register agent. Exiting.");
    this.agentId = answer.agent_id;
    this.enabled = ((answer.config as Json | undefined)?.enabled ?? true) !== false;
  }

  /** detect_instance_mode_dual: the EC2 API's answer wins; unknown becomes ondemand. */
  private async detectMode(imds: ImdsReader): Promise<"spot" | "ondemand"> {
    try {
      const details = await this.details(this.instanceId);
      if (details) return details.mode;
    } catch {
      // fall back to metadata
    }
    if ((await imds.read("meta-data/spot/instance-action")) !== null) return "spot";
    return (await imds.read("meta-data/instance-life-cycle")) === "spot" ? "spot" : "ondemand";
  }

  private async heartbeatOnce(imds: ImdsReader): Promise<void> {
    await this.call("POST", `/api/agents/${this.agentId}/heartbeat`, {
      status: this.enabled ? "online" : "disabled",
      monitored_instances: [this.instanceId],
      instance_id: this.instanceId,
      instance_type: await imds.read("meta-data/instance-type"),
      mode: await this.detectMode(imds),
      az: await imds.read("meta-data/placement/availability-zone"),
    });
  }

  private async configOnce(): Promise<void> {
    const config = await this.call("GET", `/api/agents/${this.agentId}/config`);
    if (config) this.enabled = config.enabled !== false;
  }

  /** _pending_commands_worker: the first runnable command of the poll, inline; then the next poll. */
  private async pendingCommandsOnce(): Promise<void> {
    if (!this.enabled || this.hold.commands) return;
    const answer = await this.call("GET", `/api/agents/${this.agentId}/pending-commands`);
    const commands = Array.isArray(answer) ? answer : ((answer?.commands as unknown[] | undefined) ?? []);
    for (const item of commands) {
      if (!item || typeof item !== "object") continue;
      const command = item as Json;
      if (!command.id) continue;
      if ((command.command_type ?? "switch") !== "switch" || !command.target_mode) {
        this.unexpected.push(command);
        continue;
      }
      this.executed.push(String(command.id));
      const success = await this.executeSwitch(command);
      await this.call("POST", `/api/agents/${this.agentId}/commands/${command.id}/executed`, {
        success,
        message: success ? "Switch completed" : "Switch failed",
      });
      const terminateWait = Number(command.terminate_wait_seconds ?? 0) || 0;
      if (success && terminateWait > 0) void this.shutdown("old instance terminated");
      break;
    }
  }

  /** InstanceSwitcher.execute_switch, "FAST MODE": the instance's own AMI, no image. */
  private async executeSwitch(command: Json): Promise<boolean> {
    const targetMode = String(command.target_mode);
    const targetPool = (command.target_pool_id as string | null) ?? null;
    const timing: Json = {
      switch_initiated_at: pyIso(Date.now()),
      new_instance_launched_at: null,
      new_instance_ready_at: null,
      traffic_switched_at: null,
    };
    const current = await this.details(this.instanceId);
    if (!current) return false;
    const targetAz =
      targetMode === "spot" && targetPool ? (targetPool.split(".").at(-1) as string) : current.az;
    let newId: string;
    try {
      newId = await this.launch(current, {
        az: targetAz,
        spot: targetMode === "spot" && targetPool !== null,
        tags: {
          Name: `SpotOptimizer-${targetMode}`,
          ManagedBy: "SpotOptimizer",
          LogicalAgentId: this.options.logicalAgentId,
        },
        purpose: "switch",
      });
    } catch {
      return false;
    }
    timing.new_instance_launched_at = pyIso(Date.now());
    if (!(await this.waitFor(newId, "running", 10, 30))) {
      await this.options.ec2
        .send(new TerminateInstancesCommand({ InstanceIds: [newId] }))
        .catch(() => undefined);
      return false;
    }
    timing.new_instance_ready_at = pyIso(Date.now());
    const next = await this.details(newId);
    await this.sleep(2); // "traffic switch point"
    timing.traffic_switched_at = pyIso(Date.now());
    const terminateWait = Number(command.terminate_wait_seconds ?? 0) || 0;
    if (terminateWait > 0) {
      await this.sleep(terminateWait);
      await this.options.ec2.send(new TerminateInstancesCommand({ InstanceIds: [this.instanceId] }));
      this.terminated.push(this.instanceId);
      if (await this.waitFor(this.instanceId, "terminated", 15, 20)) {
        timing.old_instance_terminated_at = pyIso(Date.now());
      }
    }
    const prices: Json = { on_demand: 0.096 };
    if (current.mode === "spot") prices.old_spot = await this.spotPrice(current.instanceType, current.az);
    if (targetMode === "spot" && next) prices.new_spot = await this.spotPrice(next.instanceType, next.az);
    await this.call("POST", `/api/agents/${this.agentId}/switch-report`, {
      old_instance: {
        instance_id: this.instanceId,
        instance_type: current.instanceType,
        region: REGION,
        az: current.az,
        ami_id: current.amiId,
        mode: current.mode,
        pool_id: current.poolId,
      },
      new_instance: {
        instance_id: newId,
        instance_type: next?.instanceType ?? current.instanceType,
        region: REGION,
        az: next?.az ?? targetAz,
        ami_id: current.amiId,
        mode: targetMode,
        pool_id: targetPool,
      },
      snapshot: { used: false },
      prices,
      timing,
      trigger: Number(command.priority ?? 0) >= 50 ? "manual" : "model",
    });
    return true;
  }

  /** _replica_polling_worker (spec §3.3): launches every listed replica with an id, a pool_id and an az. */
  private async replicaPollOnce(): Promise<void> {
    if (this.hold.replicas) return;
    const answer = await this.call("GET", `/api/agents/${this.agentId}/replicas?status=launching`);
    const replicas = Array.isArray(answer) ? answer : ((answer?.replicas as Json[] | undefined) ?? []);
    for (const replica of replicas as Json[]) {
      const replicaId = replica.id as string | undefined;
      const az = replica.az as string | undefined;
      if (!replicaId || !replica.pool_id || !az) continue;
      try {
        const current = await this.details(this.instanceId);
        if (!current) continue;
        const launched = await this.launch(current, {
          az,
          spot: true,
          tags: {
            Name: `replica-${replicaId.slice(0, 8)}`,
            ReplicaId: replicaId,
            ParentInstance: this.instanceId,
          },
          purpose: "replica",
        });
        await this.call("PUT", `/api/agents/${this.agentId}/replicas/${replicaId}`, {
          instance_id: launched,
          status: "syncing",
        });
        await this.waitFor(launched, "running", 15, 40);
        await this.call("POST", `/api/agents/${this.agentId}/replicas/${replicaId}/status`, {
          status: "ready",
          sync_completed_at: pyIso(Date.now()),
        });
      } catch (error) {
        await this.call("POST", `/api/agents/${this.agentId}/replicas/${replicaId}/status`, {
          status: "failed",
          error_message: String(error),
        });
      }
    }
  }

  private terminationHandled = false;
  /** _termination_check_worker: on spot, the 2-minute notice once: emergency replica, then termination-imminent. */
  private async terminationCheckOnce(imds: ImdsReader): Promise<void> {
    if ((await this.detectMode(imds)) !== "spot") return;
    const notice = await imds.read("meta-data/spot/instance-action");
    if (!notice || this.terminationHandled) return;
    this.terminationHandled = true;
    const time = (JSON.parse(notice) as { time?: string }).time;
    await this.call("POST", `/api/agents/${this.agentId}/create-emergency-replica`, {
      signal_type: "termination-notice",
      instance_id: this.instanceId,
      termination_time: time,
    });
    const failover = await this.call("POST", `/api/agents/${this.agentId}/termination-imminent`, {
      instance_id: this.instanceId,
      termination_time: time,
      detected_at: pyIso(Date.now()),
    });
    if (failover?.success) void this.shutdown("failover");
  }

  private rebalanceReported = false;
  /** _rebalance_check_worker: on spot, each rebalance recommendation once: emergency replica, then the report. */
  private async rebalanceCheckOnce(imds: ImdsReader): Promise<void> {
    if ((await this.detectMode(imds)) !== "spot") return;
    if ((await imds.read("meta-data/events/recommendations/rebalance")) === null) {
      this.rebalanceReported = false;
      return;
    }
    if (this.rebalanceReported) return;
    this.rebalanceReported = true;
    await this.call("POST", `/api/agents/${this.agentId}/create-emergency-replica`, {
      signal_type: "rebalance-recommendation",
      instance_id: this.instanceId,
    });
    await this.call("POST", `/api/agents/${this.agentId}/rebalance-recommendation`, {
      instance_id: this.instanceId,
      detected_at: pyIso(Date.now()),
    });
  }

  private async details(instanceId: string): Promise<Details | null> {
    const answer = await this.options.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const instance = answer.Reservations?.[0]?.Instances?.[0];
    if (!instance?.InstanceType || !instance.Placement?.AvailabilityZone || !instance.ImageId) return null;
    const mode = instance.InstanceLifecycle === "spot" ? "spot" : "ondemand";
    const az = instance.Placement.AvailabilityZone;
    return {
      instanceId,
      instanceType: instance.InstanceType,
      az,
      amiId: instance.ImageId,
      mode,
      poolId: mode === "spot" ? `${instance.InstanceType}.${az}` : null,
      subnetId: instance.SubnetId,
      securityGroups: (instance.SecurityGroups ?? []).flatMap((group) =>
        group.GroupId ? [group.GroupId] : [],
      ),
    };
  }

  private async launch(
    current: Details,
    target: { az: string; spot: boolean; tags: Record<string, string>; purpose: "switch" | "replica" },
  ): Promise<string> {
    const answer = await this.options.ec2.send(
      new RunInstancesCommand({
        ImageId: current.amiId,
        InstanceType: current.instanceType as never,
        MinCount: 1,
        MaxCount: 1,
        Placement: { AvailabilityZone: target.az },
        SecurityGroupIds: current.securityGroups.length > 0 ? current.securityGroups : undefined,
        SubnetId: !target.spot || target.az === current.az ? current.subnetId : undefined,
        InstanceMarketOptions: target.spot
          ? {
              MarketType: "spot",
              SpotOptions: { SpotInstanceType: "one-time", InstanceInterruptionBehavior: "terminate" },
            }
          : undefined,
        TagSpecifications: [
          {
            ResourceType: "instance",
            Tags: Object.entries(target.tags).map(([Key, Value]) => ({ Key, Value })),
          },
        ],
      }),
    );
    const instanceId = answer.Instances?.[0]?.InstanceId;
    if (!instanceId) throw new Error("RunInstances launched nothing");
    this.launched.push(instanceId);
    this.options.onLaunch?.(instanceId, target.purpose);
    return instanceId;
  }

  /** A boto3 waiter: polls every `delaySeconds`, at most `attempts` times. */
  private async waitFor(instanceId: string, state: string, delaySeconds: number, attempts: number) {
    for (let attempt = 0; attempt < attempts; attempt++) {
      const answer = await this.options.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      if (answer.Reservations?.[0]?.Instances?.[0]?.State?.Name === state) return true;
      await new Promise((resolve) => setTimeout(resolve, this.seconds(delaySeconds)));
    }
    return false;
  }

  private async spotPrice(instanceType: string, az: string): Promise<number | null> {
    try {
      const answer = await this.options.ec2.send(
        new DescribeSpotPriceHistoryCommand({
          InstanceTypes: [instanceType as never],
          AvailabilityZone: az,
          MaxResults: 1,
        }),
      );
      const price = answer.SpotPriceHistory?.[0]?.SpotPrice;
      return price ? Number(price) : null;
    } catch {
      return null;
    }
  }

  /**
   * ServerAPI._make_request: JSON in and out, bearer token; a connection error is tried again after 1 s and 2 s
   * (3 attempts), any other failure is "no result" (None).
   */
  private async call(method: string, path: string, body?: unknown): Promise<Json | null> {
    for (let attempt = 0; ; attempt++) {
      const answer = await restFrom(this.options.localAddress, this.options.server, method, path, {
        token: this.options.token,
        body,
      });
      this.calls.push({ method, path, ...answer });
      if (answer.status === 0 && attempt < 2) {
        await new Promise((resolve) => setTimeout(resolve, this.seconds(2 ** attempt)));
        continue;
      }
      return answer.status >= 200 && answer.status < 300 ? (answer.body as Json) : null;
    }
  }
}

/** InstanceMetadata.get_metadata: a fresh IMDSv2 token for every read; null when the path does not exist. */
class ImdsReader {
  constructor(private readonly endpoint: string) {}

  async read(path: string): Promise<string | null> {
    try {
      const token = await fetch(`${this.endpoint}/latest/api/token`, {
        method: "PUT",
        headers: { "x-aws-ec2-metadata-token-ttl-seconds": "21600" },
      }).then((response) => response.text());
      const response = await fetch(`${this.endpoint}/latest/${path}`, {
        headers: { "x-aws-ec2-metadata-token": token },
      });
      return response.ok ? await response.text() : null;
    } catch {
      return null;
    }
  }
}
