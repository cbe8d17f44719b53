import { DescribeSpotPriceHistoryCommand, EC2Client } from "@aws-sdk/client-ec2";
import type { SpotPricePoint, SpotPriceSource } from "../core/pricing/market-collector.js";

/** DescribeSpotPriceHistory takes at most this many instance types per call. */
const TYPES_PER_CALL = 50;
const MAX_PAGES = 200;

/**
 * The collector's source: DescribeSpotPriceHistory (Linux/UNIX), paginated, one EC2 client per region. Endpoint
 * and credentials come from the SDK's usual chain (AWS_ENDPOINT_URL_EC2, profiles, instance roles).
 */
export class Ec2SpotPriceSource implements SpotPriceSource {
  private readonly clients = new Map<string, EC2Client>();

  async history(region: string, instanceTypes: readonly string[], since: number): Promise<SpotPricePoint[]> {
    const client = this.client(region);
    const points: SpotPricePoint[] = [];
    for (let i = 0; i < instanceTypes.length; i += TYPES_PER_CALL) {
      let token: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const response = await client.send(
          new DescribeSpotPriceHistoryCommand({
            InstanceTypes: instanceTypes.slice(i, i + TYPES_PER_CALL) as never,
            ProductDescriptions: ["Linux/UNIX", "Linux/UNIX (Amazon VPC)"],
            StartTime: new Date(since),
            NextToken: token,
            MaxResults: 1000,
          }),
        );
        for (const entry of response.SpotPriceHistory ?? []) {
          const price = Number(entry.SpotPrice);
          if (!entry.InstanceType || !entry.AvailabilityZone || !Number.isFinite(price)) continue;
          points.push({
            instanceType: entry.InstanceType,
            availabilityZone: entry.AvailabilityZone,
            price,
            at: entry.Timestamp?.getTime() ?? since,
          });
        }
        token = response.NextToken || undefined;
        if (!token) break;
      }
    }
    return points;
  }

  close(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }

  private client(region: string): EC2Client {
    let client = this.clients.get(region);
    if (!client) {
      client = new EC2Client({ region });
      this.clients.set(region, client);
    }
    return client;
  }
}
