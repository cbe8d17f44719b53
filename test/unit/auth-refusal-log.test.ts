import { describe, expect, it } from "vitest";
import {
  AuthRefusalLog,
  type AuthRefusalReason,
  refusedTokenPrefix,
} from "../../src/core/auth/auth-refusal-log.js";
import { BackgroundWork } from "../../src/core/background/background-work.js";
import { EventLog } from "../../src/core/events/event-log.js";
import type { EventRepository } from "../../src/core/events/event-repository.js";
import type { NewSystemEvent } from "../../src/core/events/system-event.js";
import { CapturingLogger } from "../support/capturing-logger.js";
import { ManualClock } from "../support/manual-clock.js";

function harness(options = { perPeer: 2, overall: 3, windowMs: 60_000, maxPeers: 10 }) {
  const clock = new ManualClock();
  const recorded: NewSystemEvent[] = [];
  const repository = {
    insert: async (event: NewSystemEvent) => {
      recorded.push(event);
    },
  } as unknown as EventRepository;
  const logger = new CapturingLogger();
  const counted: AuthRefusalReason[] = [];
  const log = new AuthRefusalLog({
    store: { events: repository },
    events: new EventLog(clock),
    logger,
    clock,
    background: new BackgroundWork(),
    counter: { authRefused: (reason) => counted.push(reason) },
    options,
  });
  const refuse = (peer: string, token?: string) =>
    log.refused(
      { peer, token, where: "GET /x", reason: token ? "invalid_token" : "missing_token" },
      "client",
    );
  return { clock, recorded, logger, counted, refuse };
}

describe("the trail of refused authentications", () => {
  it("keeps at most a quarter of a token, never more than 8 characters, or says none", () => {
    expect(refusedTokenPrefix(undefined)).toBe("none");
    expect(refusedTokenPrefix("")).toBe("none");
    expect(refusedTokenPrefix("abc")).toBe("…");
    expect(refusedTokenPrefix("0123456789abcdef")).toBe("0123…");
    expect(refusedTokenPrefix(`spot_${"x".repeat(43)}`)).toBe("spot_xxx…");
  });

  it("counts every refusal, records a few per peer, and reports the rest with the next record", () => {
    const { clock, recorded, logger, counted, refuse } = harness();
    for (let i = 0; i < 5; i++) refuse("10.0.0.1", `token-${i}-abcdefgh`);
    expect(counted).toHaveLength(5);
    expect(recorded).toHaveLength(2);
    expect(logger.warnings).toHaveLength(2);
    clock.advance(60_000);
    refuse("10.0.0.1");
    expect(recorded).toHaveLength(3);
    expect(recorded[2]?.metadata).toMatchObject({
      suppressed: 3,
      tokenPrefix: "none",
      reason: "missing_token",
    });
    expect(recorded[2]?.message).toMatch(/3 earlier refusals not recorded one by one$/);
  });

  it("bounds the records of a window over all peers", () => {
    const { recorded, counted, refuse } = harness();
    for (let peer = 0; peer < 10; peer++) refuse(`10.0.0.${peer}`, "whatever-token");
    expect(counted).toHaveLength(10);
    expect(recorded).toHaveLength(3);
  });
});
