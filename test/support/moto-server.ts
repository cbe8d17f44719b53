import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { DescribeImagesCommand, EC2Client, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { freePort } from "./free-port.js";

/** moto_server if it is on the PATH, else the same server through the Python module. */
function motoCommand(): [string, string[]] {
  const probe = spawnSync("moto_server", ["--help"], { stdio: "ignore" });
  return probe.status === 0 ? ["moto_server", []] : ["python3", ["-m", "moto.server"]];
}

export const MOTO_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: "testing",
  AWS_SECRET_ACCESS_KEY: "testing",
  AWS_REGION: "us-east-1",
};

/**
 * moto's EC2 server on 127.0.0.1 as the EC2 endpoint: a real HTTP API with EC2's wire format. AMI validation is
 * on, so launching from an unknown image fails the way EC2 does.
 */
export class MotoServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly endpoint: string,
  ) {}

  static async start(): Promise<MotoServer> {
    const port = await freePort();
    const [command, prefix] = motoCommand();
    const child = spawn(command, [...prefix, "-H", "127.0.0.1", "-p", String(port)], {
      env: { ...process.env, MOTO_ENABLE_AMI_VALIDATION: "true" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const moto = new MotoServer(child, `http://127.0.0.1:${port}`);
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const response = await fetch(`${moto.endpoint}/moto-api/`);
        if (response.ok) return moto;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error("moto_server did not start within 30 s");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Forgets every resource, as a fresh account. */
  async reset(): Promise<void> {
    await fetch(`${this.endpoint}/moto-api/reset`, { method: "POST" });
  }

  client(): EC2Client {
    return new EC2Client({
      region: "us-east-1",
      endpoint: this.endpoint,
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
  }

  /** Launches an instance to play the agent's own host; returns its id and image. */
  async launchHost(options: { instanceType: string; availabilityZone: string; spot: boolean }) {
    const ec2 = this.client();
    const images = await ec2.send(
      new DescribeImagesCommand({ Filters: [{ Name: "name", Values: ["amzn*"] }] }),
    );
    const imageId = images.Images?.[0]?.ImageId;
    if (!imageId) throw new Error("moto has no Amazon Linux image");
    const launched = await ec2.send(
      new RunInstancesCommand({
        ImageId: imageId,
        InstanceType: options.instanceType as never,
        MinCount: 1,
        MaxCount: 1,
        Placement: { AvailabilityZone: options.availabilityZone },
        InstanceMarketOptions: options.spot ? { MarketType: "spot" } : undefined,
      }),
    );
    const instance = launched.Instances?.[0];
    if (!instance?.InstanceId) throw new Error("moto launched nothing");
    ec2.destroy();
    return { instanceId: instance.InstanceId, imageId, privateIp: instance.PrivateIpAddress ?? "10.0.0.10" };
  }

  stop(): void {
    this.child.kill("SIGTERM");
  }
}
