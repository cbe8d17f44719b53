import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliProcess } from "./cli-process.js";
import { ImdsEmulator } from "./imds-emulator.js";
import { MOTO_CREDENTIALS, MotoServer } from "./moto-server.js";

/** The agent's surroundings: moto as EC2, the IMDS emulator as instance metadata, a scratch directory. */
export class AgentRig {
  readonly dir = mkdtempSync(join(tmpdir(), "spot-agent-"));

  private constructor(
    readonly moto: MotoServer,
    readonly imds: ImdsEmulator,
  ) {}

  static async start(): Promise<AgentRig> {
    const [moto, imds] = await Promise.all([MotoServer.start(), ImdsEmulator.start()]);
    return new AgentRig(moto, imds);
  }

  /** A fresh EC2 account with one instance (the agent's host) that instance metadata describes. */
  async host(options: { instanceType?: string; availabilityZone?: string; spot?: boolean } = {}) {
    await this.moto.reset();
    const instanceType = options.instanceType ?? "m5.large";
    const availabilityZone = options.availabilityZone ?? "us-east-1a";
    const spot = options.spot ?? true;
    const host = await this.moto.launchHost({ instanceType, availabilityZone, spot });
    this.imds.setInstance({
      instanceId: host.instanceId,
      instanceType,
      availabilityZone,
      lifecycle: spot ? "spot" : "on-demand",
      amiId: host.imageId,
      privateIp: host.privateIp,
      publicIp: null,
    });
    return host;
  }

  /** The real agent command in its own process, pointed at `server` and at this rig. */
  startAgent(server: string, token: string, extra: Record<string, string> = {}): CliProcess {
    return new CliProcess({
      name: "agent",
      args: ["agent"],
      env: {
        ...MOTO_CREDENTIALS,
        SPOT_SERVER: server,
        SPOT_TOKEN: token,
        SPOT_AGENT_STATE: join(this.dir, `state-${Date.now()}-${Math.random().toString(36).slice(2)}.json`),
        SPOT_LOG_LEVEL: "debug",
        AWS_EC2_METADATA_SERVICE_ENDPOINT: this.imds.endpoint,
        AWS_ENDPOINT_URL_EC2: this.moto.endpoint,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        ...extra,
      },
    });
  }

  async stop(): Promise<void> {
    this.moto.stop();
    await this.imds.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
