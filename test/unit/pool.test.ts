import { describe, expect, it } from "vitest";
import { AppError } from "../../src/core/errors/app-error.js";
import { makePool, parsePoolId, regionOfZone } from "../../src/core/pricing/pool.js";

describe("pools", () => {
  it.each([
    ["us-east-1a", "us-east-1"],
    ["eu-central-1c", "eu-central-1"],
    ["ap-southeast-2b", "ap-southeast-2"],
    ["us-gov-west-1a", "us-gov-west-1"],
    ["us-west-2-lax-1a", "us-west-2"],
  ])("knows the region of %s", (zone, region) => {
    expect(regionOfZone(zone)).toBe(region);
  });

  it.each(["us-east-1", "mars-1a", "US-EAST-1A", ""])("does not take %o for a zone", (zone) => {
    expect(regionOfZone(zone)).toBeUndefined();
  });

  it("parses a pool id whose instance type itself has a dot", () => {
    expect(parsePoolId("m5.large.us-east-1a")).toEqual({
      id: "m5.large.us-east-1a",
      instanceType: "m5.large",
      region: "us-east-1",
      availabilityZone: "us-east-1a",
    });
    expect(makePool("t3.micro", "eu-west-1b").id).toBe("t3.micro.eu-west-1b");
  });

  it.each(["m5large", "m5.large.", ".us-east-1a", "m5.large.nowhere", "M5.LARGE.us-east-1a"])(
    "refuses the pool id %o as invalid_argument",
    (poolId) => {
      try {
        parsePoolId(poolId);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(AppError);
        expect((error as AppError).code).toBe("invalid_argument");
      }
    },
  );
});
