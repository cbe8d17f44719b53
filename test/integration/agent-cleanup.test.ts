import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentContext } from "../../src/agent/agent-context.js";
import { cleanUpImages } from "../../src/agent/periodic-reports.js";
import type { MessageBody } from "../../src/agent/protocol/outbox.js";
import { Ec2Gateway } from "../../src/aws/ec2-gateway.js";
import { silentLogger } from "../../src/core/logging/logger.js";
import { MotoServer } from "../support/moto-server.js";

describe("agent cleanup of its own images, against moto", () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await MotoServer.start();
  }, 60_000);
  afterAll(() => moto.stop());

  it("deletes its own old images and their snapshots, keeps others' and the running one, and reports counts", async () => {
    await moto.reset();
    const host = await moto.launchHost({
      instanceType: "m5.large",
      availabilityZone: "us-east-1a",
      spot: true,
    });
    const client = moto.client();
    const ec2 = new Ec2Gateway(client);
    const mine = { ManagedBy: "SpotOptimizer", LogicalAgentId: "web-1" };
    const old1 = await ec2.createImage(host.instanceId, "old-1", mine);
    const old2 = await ec2.createImage(host.instanceId, "old-2", mine);
    const running = await ec2.createImage(host.instanceId, "running", mine);
    const someoneElses = await ec2.createImage(host.instanceId, "other", {
      ...mine,
      LogicalAgentId: "api-1",
    });
    const snapshotsOf = async (imageId: string) =>
      (await ec2.ownImages(mine)).find((image) => image.imageId === imageId)?.snapshotIds ?? [];
    const expectedSnapshots = [...(await snapshotsOf(old1)), ...(await snapshotsOf(old2))];
    expect(expectedSnapshots.length).toBeGreaterThan(0);

    const sent: MessageBody[] = [];
    const context = {
      logicalAgentId: "web-1",
      identity: { instanceId: host.instanceId, amiId: running, region: "us-east-1" },
      ec2,
      logger: silentLogger,
      report: (body: MessageBody) => sent.push(body),
    } as unknown as AgentContext;
    // A cutoff a minute ahead: every image counts as old, so only the rules decide what is kept.
    await cleanUpImages(context, -60_000);

    const left = await client.send(new DescribeImagesCommand({ Owners: ["self"] }));
    expect((left.Images ?? []).map((image) => image.ImageId).sort()).toEqual([running, someoneElses].sort());
    expect(sent).toHaveLength(1);
    const report = sent[0]?.$case === "cleanupReport" ? sent[0].value : undefined;
    expect(report?.deletedImageIds.sort()).toEqual([old1, old2].sort());
    expect(report?.deletedSnapshotIds.sort()).toEqual(expectedSnapshots.sort());
    expect(report?.failures).toEqual([]);
    client.destroy();
  }, 60_000);
});
