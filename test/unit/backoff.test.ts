import { describe, expect, it } from "vitest";
import { fullJitterDelay, hintedDelay, jittered, retryHintMs } from "../../src/agent/protocol/backoff.js";

describe("reconnect backoff", () => {
  it("grows exponentially up to the cap, with the whole range used", () => {
    expect(fullJitterDelay(0, 1_000, 60_000, () => 0.999)).toBe(999);
    expect(fullJitterDelay(3, 1_000, 60_000, () => 0.999)).toBe(7_992);
    expect(fullJitterDelay(20, 1_000, 60_000, () => 0.999)).toBe(59_940);
    expect(fullJitterDelay(20, 1_000, 60_000, () => 0)).toBe(0);
  });

  it("spreads delays across a fleet instead of synchronising it", () => {
    const delays = Array.from({ length: 1_000 }, () => fullJitterDelay(6, 1_000, 60_000));
    expect(Math.min(...delays)).toBeLessThan(6_400);
    expect(Math.max(...delays)).toBeGreaterThan(57_600);
    expect(new Set(delays).size).toBeGreaterThan(900);
  });

  it("jitters heartbeats by at most 10 %", () => {
    expect(jittered(30_000, () => 0)).toBe(27_000);
    expect(jittered(30_000, () => 1)).toBe(33_000);
  });

  it("comes back just after the server's retry slot, spread by up to 25 %", () => {
    expect(hintedDelay(4_000, () => 0)).toBe(4_000);
    expect(hintedDelay(4_000, () => 1)).toBe(5_000);
    expect(retryHintMs("1500")).toBe(1_500);
    for (const bad of [undefined, "", "-1", "0", "NaN", "9999999", Buffer.from("10")]) {
      expect(retryHintMs(bad)).toBeUndefined();
    }
  });
});
