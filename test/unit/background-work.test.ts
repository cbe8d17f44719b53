import { describe, expect, it } from "vitest";
import { BackgroundWork } from "../../src/core/background/background-work.js";
import { CapturingLogger } from "../support/capturing-logger.js";

/** A promise the test settles by hand. */
function gate(): { promise: Promise<void>; open: () => void; fail: (error: Error) => void } {
  let open = () => {};
  let fail: (error: Error) => void = () => {};
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

describe("the app's background work", () => {
  it("is idle at once when nothing runs", async () => {
    const work = new BackgroundWork();
    await work.idle();
    expect(work.pending).toBe(0);
  });

  it("is idle only once the work, and the work it set off meanwhile, has finished", async () => {
    const work = new BackgroundWork();
    const first = gate();
    const second = gate();
    const finished: string[] = [];
    work.track(
      first.promise.then(() => {
        finished.push("first");
        // A push that records its delivery on a later turn: set off while the first one runs.
        work.defer(async () => {
          await second.promise;
          finished.push("second");
        });
      }),
    );
    let idle = false;
    const waiting = work.idle().then(() => {
      idle = true;
    });
    first.open();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(finished).toEqual(["first"]);
    expect(idle).toBe(false);
    expect(work.pending).toBe(1);
    second.open();
    await waiting;
    expect(finished).toEqual(["first", "second"]);
    expect(work.pending).toBe(0);
  });

  it("logs a failure that reached it instead of leaving it unhandled, and still becomes idle", async () => {
    const logger = new CapturingLogger();
    const work = new BackgroundWork(logger);
    const failing = gate();
    work.track(failing.promise);
    failing.fail(new Error("database went away"));
    await work.idle();
    expect(logger.drainErrors()).toEqual([
      { message: "background work failed", fields: { error: "Error: database went away" } },
    ]);
  });

  it("says when work is still running after the time shutdown gives it", async () => {
    const work = new BackgroundWork();
    const stuck = gate();
    work.track(stuck.promise);
    expect(await work.idleWithin(20)).toBe(false);
    expect(work.pending).toBe(1);
    stuck.open();
    expect(await work.idleWithin(1_000)).toBe(true);
  });
});
