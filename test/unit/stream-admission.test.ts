import { describe, expect, it } from "vitest";
import { AppError } from "../../src/core/errors/app-error.js";
import { StreamAdmission } from "../../src/core/sessions/stream-admission.js";
import { ManualClock } from "../support/manual-clock.js";

function refusal(admission: StreamAdmission): number {
  try {
    admission.admit();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("resource_exhausted");
    return (error as AppError).details?.retryAfterMs as number;
  }
  throw new Error("admitted");
}

describe("stream admission", () => {
  it("admits a burst, then the sustained rate", () => {
    const clock = new ManualClock(0);
    const admission = new StreamAdmission(clock, { ratePerSecond: 10, burst: 5, maxRetryAfterMs: 30_000 });
    for (let i = 0; i < 5; i++) admission.admit();
    expect(refusal(admission)).toBe(100);
    clock.advance(100);
    admission.admit();
    clock.advance(1_000);
    for (let i = 0; i < 5; i++) admission.admit();
    expect(admission.stats()).toMatchObject({ admitted: 11, refused: 1 });
  });

  it("gives each refused stream its own slot, one token apart, so a storm comes back spread out", () => {
    const clock = new ManualClock(0);
    const admission = new StreamAdmission(clock, { ratePerSecond: 100, burst: 100, maxRetryAfterMs: 30_000 });
    for (let i = 0; i < 100; i++) admission.admit();
    const hints = Array.from({ length: 1_000 }, () => refusal(admission));
    expect(hints[0]).toBe(10);
    expect(hints[999]).toBe(10_000);
    for (let i = 1; i < hints.length; i++) expect((hints[i] as number) - (hints[i - 1] as number)).toBe(10);
    expect(admission.stats().backlogMs).toBe(10_010);
    // Agents back at their slots find a token each: the queue drains at the rate.
    clock.advance(10);
    admission.admit();
    clock.advance(10);
    admission.admit();
  });

  it("never tells a wait beyond the maximum", () => {
    const clock = new ManualClock(0);
    const admission = new StreamAdmission(clock, { ratePerSecond: 1, burst: 1, maxRetryAfterMs: 5_000 });
    admission.admit();
    const hints = Array.from({ length: 20 }, () => refusal(admission));
    expect(Math.max(...hints)).toBe(5_000);
  });

  it("admits everything when the rate is 0", () => {
    const admission = new StreamAdmission(new ManualClock(0), {
      ratePerSecond: 0,
      burst: 0,
      maxRetryAfterMs: 1_000,
    });
    for (let i = 0; i < 1_000; i++) admission.admit();
    expect(admission.stats()).toMatchObject({ admitted: 1_000, refused: 0 });
  });
});
