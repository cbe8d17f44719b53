import { describe, expect, it } from "vitest";
import { AuthThrottle } from "../../src/core/auth/auth-throttle.js";
import { ManualClock } from "../support/manual-clock.js";

describe("auth throttle", () => {
  const options = { maxFailures: 3, windowMs: 10_000, blockMs: 30_000, maxPeers: 2 };

  it("blocks a peer after too many failures in the window, then lets it try again", () => {
    const clock = new ManualClock();
    const throttle = new AuthThrottle(clock, options);
    expect(throttle.recordFailure("10.0.0.1")).toBe(false);
    expect(throttle.recordFailure("10.0.0.1")).toBe(false);
    expect(throttle.retryAfterMs("10.0.0.1")).toBe(0);
    expect(throttle.recordFailure("10.0.0.1")).toBe(true);
    expect(throttle.retryAfterMs("10.0.0.1")).toBe(30_000);
    expect(throttle.retryAfterMs("10.0.0.2")).toBe(0);
    clock.advance(30_000);
    expect(throttle.retryAfterMs("10.0.0.1")).toBe(0);
  });

  it("forgets failures older than the window", () => {
    const clock = new ManualClock();
    const throttle = new AuthThrottle(clock, options);
    throttle.recordFailure("10.0.0.1");
    throttle.recordFailure("10.0.0.1");
    clock.advance(11_000);
    expect(throttle.recordFailure("10.0.0.1")).toBe(false);
  });

  it("remembers a bounded number of peers", () => {
    const clock = new ManualClock();
    const throttle = new AuthThrottle(clock, { ...options, maxFailures: 2 });
    throttle.recordFailure("a");
    throttle.recordFailure("b");
    throttle.recordFailure("c"); // evicts "a"
    expect(throttle.recordFailure("a")).toBe(false); // counted afresh
    expect(throttle.recordFailure("c")).toBe(true);
  });
});
