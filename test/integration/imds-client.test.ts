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
