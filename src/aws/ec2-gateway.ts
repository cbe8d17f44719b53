import {
  CreateImageCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSpotPriceHistoryCommand,
  type EC2Client,
  type Instance,
  RunInstancesCommand,
  type Tag,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";

export type Market = "spot" | "ondemand";

export interface InstanceDescription {
  instanceId: string;
  instanceType: string;
  availabilityZone: string;
  imageId: string;
  state: string;
  market: Market;
  subnetId: string | null;
  securityGroupIds: string[];
  keyName: string | null;
  iamInstanceProfileArn: string | null;
  privateIp: string | null;
  publicIp: string | null;
}

export interface LaunchRequest {
  imageId: string;
  instanceType: string;
  availabilityZone: string;
  market: Market;
  /** The instance to copy network, key and profile from. */
  template: InstanceDescription;
  tags: Record<string, string>;
}

export interface OwnImage {
  imageId: string;
  createdAt: number;
  snapshotIds: string[];
}

export interface WaitOptions {
  timeoutMs: number;
  pollMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const toTags = (tags: Record<string, string>): Tag[] =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

function describe(instance: Instance): InstanceDescription {
  return {
    instanceId: instance.InstanceId ?? "",
    instanceType: instance.InstanceType ?? "",
    availabilityZone: instance.Placement?.AvailabilityZone ?? "",
    imageId: instance.ImageId ?? "",
    state: instance.State?.Name ?? "unknown",
    market: instance.InstanceLifecycle === "spot" ? "spot" : "ondemand",
    subnetId: instance.SubnetId ?? null,
    securityGroupIds: (instance.SecurityGroups ?? []).flatMap((group) =>
      group.GroupId ? [group.GroupId] : [],
    ),
    keyName: instance.KeyName ?? null,
    iamInstanceProfileArn: instance.IamInstanceProfile?.Arn ?? null,
    privateIp: instance.PrivateIpAddress ?? null,
    publicIp: instance.PublicIpAddress ?? null,
  };
}

/** The EC2 calls the agent makes, in the vocabulary of a switch. Errors are the SDK's (name + message). */
export class Ec2Gateway {
  constructor(private readonly ec2: EC2Client) {}

  async describeInstance(instanceId: string): Promise<InstanceDescription> {
    const response = await this.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const instance = response.Reservations?.[0]?.Instances?.[0];
    if (!instance) throw new Error(`instance ${instanceId} not found`);
    return describe(instance);
  }

  /** An image of a running instance, without rebooting it, tagged so cleanup can find it later. */
  async createImage(instanceId: string, name: string, tags: Record<string, string>): Promise<string> {
    const response = await this.ec2.send(
      new CreateImageCommand({
        InstanceId: instanceId,
        Name: name,
        NoReboot: true,
        // Only the image is tagged: cleanup finds its snapshots through its block device mappings.
        TagSpecifications: [{ ResourceType: "image", Tags: toTags(tags) }],
      }),
    );
    if (!response.ImageId) throw new Error("CreateImage returned no image id");
    return response.ImageId;
  }

  async waitForImage(imageId: string, wait: WaitOptions): Promise<void> {
    const deadline = Date.now() + wait.timeoutMs;
    for (;;) {
      const response = await this.ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
      const state = response.Images?.[0]?.State;
      if (state === "available") return;
      if (state === "failed" || state === "error" || state === "deregistered") {
        throw new Error(`image ${imageId} is ${state}`);
      }
      if (Date.now() > deadline)
        throw new Error(`image ${imageId} not available after ${wait.timeoutMs / 1000} s`);
      await sleep(wait.pollMs);
    }
  }

  async launch(request: LaunchRequest): Promise<string> {
    const { template } = request;
    const sameZone = template.availabilityZone === request.availabilityZone;
    const response = await this.ec2.send(
      new RunInstancesCommand({
        ImageId: request.imageId,
        InstanceType: request.instanceType as never,
        MinCount: 1,
        MaxCount: 1,
        Placement: { AvailabilityZone: request.availabilityZone },
        // A subnet belongs to one zone: it can only be reused when the zone does not change.
        SubnetId: sameZone && template.subnetId ? template.subnetId : undefined,
        SecurityGroupIds:
          sameZone && template.securityGroupIds.length > 0 ? template.securityGroupIds : undefined,
        KeyName: template.keyName ?? undefined,
        IamInstanceProfile: template.iamInstanceProfileArn
          ? { Arn: template.iamInstanceProfileArn }
          : undefined,
        InstanceMarketOptions:
          request.market === "spot"
            ? {
                MarketType: "spot",
                SpotOptions: { SpotInstanceType: "one-time", InstanceInterruptionBehavior: "terminate" },
              }
            : undefined,
        TagSpecifications: [{ ResourceType: "instance", Tags: toTags(request.tags) }],
      }),
    );
    const instanceId = response.Instances?.[0]?.InstanceId;
    if (!instanceId) throw new Error("RunInstances returned no instance");
    return instanceId;
  }

  async waitUntilRunning(instanceId: string, wait: WaitOptions): Promise<InstanceDescription> {
    const deadline = Date.now() + wait.timeoutMs;
    for (;;) {
      const instance = await this.describeInstance(instanceId);
      if (instance.state === "running") return instance;
      if (instance.state === "terminated" || instance.state === "shutting-down") {
        throw new Error(`instance ${instanceId} is ${instance.state} instead of running`);
      }
      if (Date.now() > deadline)
        throw new Error(`instance ${instanceId} not running after ${wait.timeoutMs / 1000} s`);
      await sleep(wait.pollMs);
    }
  }

  async terminate(instanceId: string): Promise<void> {
    await this.ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
  }

  /** The latest spot price of the type in each zone that has one. */
  async latestSpotPrices(instanceType: string): Promise<Array<{ availabilityZone: string; price: number }>> {
    const response = await this.ec2.send(
      new DescribeSpotPriceHistoryCommand({
        InstanceTypes: [instanceType as never],
        ProductDescriptions: ["Linux/UNIX", "Linux/UNIX (Amazon VPC)"],
        StartTime: new Date(),
      }),
    );
    const latest = new Map<string, { price: number; at: number }>();
    for (const entry of response.SpotPriceHistory ?? []) {
      const zone = entry.AvailabilityZone;
      const price = Number(entry.SpotPrice);
      const at = entry.Timestamp?.getTime() ?? 0;
      if (!zone || !Number.isFinite(price)) continue;
      const known = latest.get(zone);
      if (!known || at > known.at) latest.set(zone, { price, at });
    }
    return [...latest].map(([availabilityZone, { price }]) => ({ availabilityZone, price }));
  }

  /** Images this agent made (by its tags), with their snapshots. */
  async ownImages(tags: Record<string, string>): Promise<OwnImage[]> {
    const response = await this.ec2.send(
      new DescribeImagesCommand({
        Owners: ["self"],
        Filters: Object.entries(tags).map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] })),
      }),
    );
    return (response.Images ?? []).map((image) => ({
      imageId: image.ImageId ?? "",
      createdAt: image.CreationDate ? Date.parse(image.CreationDate) : 0,
      snapshotIds: (image.BlockDeviceMappings ?? []).flatMap((mapping) =>
        mapping.Ebs?.SnapshotId ? [mapping.Ebs.SnapshotId] : [],
      ),
    }));
  }

  async deregisterImage(imageId: string): Promise<void> {
    await this.ec2.send(new DeregisterImageCommand({ ImageId: imageId }));
  }

  async deleteSnapshot(snapshotId: string): Promise<void> {
    await this.ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
  }
}

/** "InvalidAMIID.NotFound: The image id ... does not exist", or the message of a plain error. */
export function ec2ErrorMessage(error: unknown): string {
  if (error instanceof Error) {
    const name = error.name && error.name !== "Error" ? `${error.name}: ` : "";
    return `${name}${error.message}`.slice(0, 1000);
  }
  return String(error).slice(0, 1000);
}
