import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImdsClient } from "../../src/agent/imds-client.js";
import { ImdsEmulator } from "../support/imds-emulator.js";

describe("IMDSv2 client against the emulator", () => {
  let imds: ImdsEmulator;
  beforeAll(async () => {
    imds = await ImdsEmulator.start();
    imds.setInstance({
      instanceId: "i-0123456789abcdef0",
      instanceType: "c5.xlarge",
      availabilityZone: "eu-west-1b",
      lifecycle: "spot",
      amiId: "ami-0abcdef1",
      privateIp: "10.1.2.3",
      publicIp: null,
    });
  });
  afterAll(async () => imds.close());

  it("reads the identity with a session token, and refuses reads without one", async () => {
    const client = new ImdsClient(imds.endpoint);
    expect(await client.identity()).toEqual({
      instanceId: "i-0123456789abcdef0",
      instanceType: "c5.xlarge",
      availabilityZone: "eu-west-1b",
      region: "eu-west-1",
      lifecycle: "spot",
      amiId: "ami-0abcdef1",
      privateIp: "10.1.2.3",
      publicIp: null,
      hostname: "ip-10-1-2-3.ec2.internal",
    });
    expect(imds.requests.filter((request) => request.startsWith("PUT"))).toHaveLength(1);
    const anonymous = await fetch(`${imds.endpoint}/latest/meta-data/instance-id`);
    expect(anonymous.status).toBe(401);
  });

  it("sees the interruption notice and the rebalance recommendation only once raised", async () => {
    const client = new ImdsClient(imds.endpoint);
    expect(await client.instanceAction()).toBeNull();
    expect(await client.rebalanceRecommendation()).toBeNull();
    const at = new Date(Date.now() + 120_000);
    imds.raiseTerminationNotice("stop", at);
    imds.raiseRebalanceRecommendation();
    expect(await client.instanceAction()).toEqual({
      action: "stop",
      time: Math.floor(at.getTime() / 1000) * 1000,
    });
    expect((await client.rebalanceRecommendation())?.noticeTime).toBeGreaterThan(0);
  });
});

describe("IMDSv2 client endpoint and tokens", () => {
  let imds: ImdsEmulator;
  beforeAll(async () => {
    imds = await ImdsEmulator.start();
    imds.setInstance({
      instanceId: "i-0fedcba9876543210",
      instanceType: "m5.large",
      availabilityZone: "us-east-1c",
      lifecycle: "on-demand",
      amiId: "ami-0abcdef2",
      privateIp: "10.4.5.6",
      publicIp: "3.4.5.6",
    });
  });
  afterAll(async () => imds.close());

  it("finds the service at AWS_EC2_METADATA_SERVICE_ENDPOINT, as the AWS SDK does", async () => {
    const before = process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = imds.endpoint;
    try {
      const identity = await new ImdsClient().identity();
      expect(identity).toMatchObject({ instanceId: "i-0fedcba9876543210", lifecycle: "ondemand" });
    } finally {
      if (before === undefined) delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
      else process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = before;
    }
  });

  it("keeps its session token across reads and fetches a new one when the service refuses it", async () => {
    const client = new ImdsClient(imds.endpoint);
    const tokenRequests = () => imds.requests.filter((request) => request.startsWith("PUT")).length;
    const before = tokenRequests();
    expect(await client.get("instance-id")).toBe("i-0fedcba9876543210");
    expect(await client.get("public-ipv4")).toBe("3.4.5.6");
    expect(tokenRequests() - before).toBe(1);
    imds.revokeTokens();
    expect(await client.get("instance-type")).toBe("m5.large");
    expect(tokenRequests() - before).toBe(2);
  });

  it("fails clearly when there is no metadata service", async () => {
    const client = new ImdsClient("http://127.0.0.1:1");
    await expect(client.identity()).rejects.toThrow(/instance metadata token: .*ECONNREFUSED/);
  });
});
