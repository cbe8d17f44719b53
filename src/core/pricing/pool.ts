import { invalidArgument } from "../errors/app-error.js";

/** A spot capacity pool: one instance type in one availability zone. */
export interface Pool {
  id: string;
  instanceType: string;
  region: string;
  availabilityZone: string;
}

// e.g. us-east-1a, eu-central-1c, us-gov-west-1b, us-west-2-lax-1a (local zone), ap-northeast-1-wl1-nrt-wlz-1.
const ZONE_PATTERN = /^([a-z]{2}(?:-[a-z]+)+-\d+)(?:[a-z]|-[a-z0-9-]+)$/;
const INSTANCE_TYPE_PATTERN = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;

export function isInstanceType(value: string): boolean {
  return value.length <= 64 && INSTANCE_TYPE_PATTERN.test(value);
}

/** The region of an availability zone: "us-east-1a" → "us-east-1". Undefined when it is not a zone name. */
export function regionOfZone(zone: string): string | undefined {
  return ZONE_PATTERN.exec(zone)?.[1];
}

export function poolIdFor(instanceType: string, availabilityZone: string): string {
  return `${instanceType}.${availabilityZone}`;
}

/** Builds a pool from its parts, refusing names EC2 would not accept. */
export function makePool(instanceType: string, availabilityZone: string): Pool {
  if (!isInstanceType(instanceType)) throw invalidArgument(`"${instanceType}" is not an EC2 instance type`);
  const region = regionOfZone(availabilityZone);
  if (!region) throw invalidArgument(`"${availabilityZone}" is not an availability zone`);
  return { id: poolIdFor(instanceType, availabilityZone), instanceType, region, availabilityZone };
}

/** Parses "<instance type>.<availability zone>", e.g. "m5.large.us-east-1a". */
export function parsePoolId(poolId: string): Pool {
  const zoneStart = poolId.lastIndexOf(".");
  if (zoneStart <= 0) throw invalidArgument(`"${poolId}" is not a pool id (expected <instance type>.<zone>)`);
  return makePool(poolId.slice(0, zoneStart), poolId.slice(zoneStart + 1));
}
