import type { Hello } from "../../gen/spot/v1/agent_service.js";
import { InstanceMode } from "../../gen/spot/v1/common.js";
import { rest } from "./rest.js";
import { newInstanceId, type TestAgent } from "./test-agent.js";

/** Spot prices an agent in us-east-1 might report for its m5.large, plus neighbours of other types. */
export const US_EAST_PRICES = [
  { instanceType: "m5.large", availabilityZone: "us-east-1a", price: 0.035 },
  { instanceType: "m5.large", availabilityZone: "us-east-1b", price: 0.03 },
  { instanceType: "m5.large", availabilityZone: "us-east-1c", price: 0.04 },
  { instanceType: "m5.xlarge", availabilityZone: "us-east-1a", price: 0.07 },
  { instanceType: "c5.large", availabilityZone: "us-east-1a", price: 0.032 },
];

/** Sends a pricing report on the agent's stream. */
export function reportPrices(
  agent: TestAgent,
  pools = US_EAST_PRICES,
  options: { onDemandPrice?: number; collectedAt?: Date } = {},
): void {
  agent.send({
    $case: "pricingReport",
    value: { onDemandPrice: options.onDemandPrice ?? 0.096, pools, collectedAt: options.collectedAt },
  });
}

/** Sends a switch report: the agent moved from the instance it said hello with to a new spot instance. */
export function reportSwitch(
  agent: TestAgent,
  from: Hello,
  options: {
    toZone: string;
    commandId?: string;
    oldTerminated?: boolean;
    newSpot?: number;
    at?: number;
    /** The deprecated trigger field; the control plane ignores it. */
    trigger?: string;
  },
): string {
  const newInstanceIdValue = newInstanceId();
  const now = new Date(options.at ?? Date.now());
  agent.send({
    $case: "switchReport",
    value: {
      commandId: options.commandId ?? "",
      oldInstance: {
        instanceId: from.instanceId,
        instanceType: from.instanceType,
        region: from.region,
        availabilityZone: from.availabilityZone,
        mode: InstanceMode.INSTANCE_MODE_SPOT,
        poolId: `${from.instanceType}.${from.availabilityZone}`,
        amiId: from.amiId,
      },
      newInstance: {
        instanceId: newInstanceIdValue,
        instanceType: from.instanceType,
        region: from.region,
        availabilityZone: options.toZone,
        mode: InstanceMode.INSTANCE_MODE_SPOT,
        poolId: `${from.instanceType}.${options.toZone}`,
        amiId: "ami-87654321",
      },
      timing: {
        initiatedAt: new Date(now.getTime() - 60_000),
        imageCreatedAt: new Date(now.getTime() - 45_000),
        instanceLaunchedAt: new Date(now.getTime() - 30_000),
        instanceReadyAt: new Date(now.getTime() - 10_000),
        oldTerminatedAt: options.oldTerminated ? now : undefined,
      },
      prices: { onDemand: 0.096, oldSpot: 0.035, newSpot: options.newSpot ?? 0.03 },
      trigger: options.trigger ?? "manual",
    },
  });
  return newInstanceIdValue;
}

/** Waits until the REST bridge answers `check` with something truthy (reports are stored asynchronously). */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string) {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** GET with a token, answering the JSON body; fails the test on a non-200. */
export async function getOk(baseUrl: string, path: string, token: string) {
  const response = await rest(baseUrl, "GET", path, { token });
  if (response.status !== 200)
    throw new Error(`GET ${path}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}
