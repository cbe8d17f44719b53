import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeInstancesCommand, type EC2Client, type Instance } from "@aws-sdk/client-ec2";
import { CliProcess } from "./cli-process.js";
import { ImdsEmulator } from "./imds-emulator.js";
import { MOTO_CREDENTIALS, MotoServer } from "./moto-server.js";

/**
 * EC2 (moto) with instance metadata for every instance the test plays an agent on: each instance gets its own
 * IMDSv2 emulator, so agents of several generations of one workload run side by side, each on its own instance,
 * and each calls the control plane from its own loopback address (127.0.0.2, 127.0.0.3, …) as instances would.
 */
export class InstanceRig {
  readonly dir = mkdtempSync(join(tmpdir(), "spot-instances-"));
  readonly ec2: EC2Client;
  private readonly emulators: ImdsEmulator[] = [];
  private nextAddress = 2;

  private constructor(readonly moto: MotoServer) {
    this.ec2 = moto.client();
  }

  static async start(): Promise<InstanceRig> {
    return new InstanceRig(await MotoServer.start());
  }

  /** A fresh EC2 account with one instance, the workload's first host, and its metadata. */
  async host(options: { availabilityZone?: string; spot?: boolean } = {}) {
    await this.moto.reset();
    const launched = await this.moto.launchHost({
      instanceType: "m5.large",
      availabilityZone: options.availabilityZone ?? "us-east-1a",
      spot: options.spot ?? true,
    });
    return { instanceId: launched.instanceId, imds: await this.metadataFor(launched.instanceId) };
  }

  /** Instance metadata describing an instance as EC2 (moto) knows it. */
  async metadataFor(instanceId: string): Promise<ImdsEmulator> {
    const instance = (await this.instances()).find((candidate) => candidate.InstanceId === instanceId);
    if (!instance?.InstanceType || !instance.Placement?.AvailabilityZone || !instance.ImageId) {
      throw new Error(`moto does not know instance ${instanceId}`);
    }
    const emulator = await ImdsEmulator.start();
    emulator.setInstance({
      instanceId,
      instanceType: instance.InstanceType,
      availabilityZone: instance.Placement.AvailabilityZone,
      lifecycle: instance.InstanceLifecycle === "spot" ? "spot" : "on-demand",
      amiId: instance.ImageId,
      privateIp: instance.PrivateIpAddress ?? "10.0.0.10",
      publicIp: null,
    });
    this.emulators.push(emulator);
    return emulator;
  }

  /** A loopback address no agent of this rig has used yet: the next instance's own address. */
  address(): string {
    return `127.0.0.${this.nextAddress++}`;
  }

  async instances(): Promise<Instance[]> {
    const answer = await this.ec2.send(new DescribeInstancesCommand({}));
    return (answer.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []);
  }

  async stateOf(instanceId: string): Promise<string | undefined> {
    return (await this.instances()).find((instance) => instance.InstanceId === instanceId)?.State?.Name;
  }

  /** The project's agent as a process on the instance `imds` describes. */
  startAgent(server: string, token: string, imds: ImdsEmulator, logicalAgentId: string): CliProcess {
    return new CliProcess({
      name: `agent on ${imds.endpoint}`,
      args: ["agent"],
      env: {
        ...MOTO_CREDENTIALS,
        SPOT_SERVER: server,
        SPOT_TOKEN: token,
        SPOT_AGENT_ID: logicalAgentId,
        SPOT_AGENT_STATE: join(this.dir, `state-${Date.now()}-${Math.random().toString(36).slice(2)}.json`),
        SPOT_LOG_LEVEL: "debug",
        AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.endpoint,
        AWS_ENDPOINT_URL_EC2: this.moto.endpoint,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      },
    });
  }

  async stop(): Promise<void> {
    this.ec2.destroy();
    this.moto.stop();
    await Promise.all(this.emulators.splice(0).map((emulator) => emulator.close()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
