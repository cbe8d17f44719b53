import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { LogFields, Logger, LogLevel } from "../../src/core/logging/logger.js";
import { createPinoLogger } from "../../src/logging/pino-logger.js";
import { rateLimitedLogger } from "../../src/logging/rate-limited-logger.js";

/** Everything logged, in order, at every level. */
class RecordingLogger implements Logger {
  constructor(
    readonly lines: Array<{ level: LogLevel; message: string; fields?: LogFields }> = [],
    private readonly base: LogFields = {},
  ) {}
  debug(message: string, fields?: LogFields) {
    this.lines.push({ level: "debug", message, fields: { ...this.base, ...fields } });
  }
  info(message: string, fields?: LogFields) {
    this.lines.push({ level: "info", message, fields: { ...this.base, ...fields } });
  }
  warn(message: string, fields?: LogFields) {
    this.lines.push({ level: "warn", message, fields: { ...this.base, ...fields } });
  }
  error(message: string, fields?: LogFields) {
    this.lines.push({ level: "error", message, fields: { ...this.base, ...fields } });
  }
  child(fields: LogFields): Logger {
    return new RecordingLogger(this.lines, { ...this.base, ...fields });
  }
}

describe("the pino logger behind the Logger port", () => {
  const capture = () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).trimEnd().split("\n"));
        done();
      },
    });
    return { lines, destination };
  };

  it("writes one JSON object per line: level by name, ISO time, the base and child fields, the message", () => {
    const { lines, destination } = capture();
    const logger = createPinoLogger("info", { service: "spot-optimizer" }, destination);
    logger.info("listening", { grpc: "127.0.0.1:50051" });
    logger.child({ agentId: "a-1" }).warn("agent offline", { reason: "silent" });
    logger.debug("not at info");
    expect(lines).toHaveLength(2);
    const [first, second] = lines.map((line) => JSON.parse(line));
    expect(first).toMatchObject({
      level: "info",
      service: "spot-optimizer",
      grpc: "127.0.0.1:50051",
      msg: "listening",
    });
    expect(new Date(first.time).toISOString()).toBe(first.time);
    expect(first).not.toHaveProperty("pid");
    expect(second).toMatchObject({ level: "warn", agentId: "a-1", reason: "silent", msg: "agent offline" });
  });
});

describe("the rate limit on log lines", () => {
  it("lets each message through N times a window, then says how many it held back", async () => {
    let now = 0;
    const sink = new RecordingLogger();
    const logger = rateLimitedLogger(sink, { lines: 3, windowMs: 1_000 }, () => now);
    for (let n = 0; n < 10; n += 1) logger.info("agent connected", { n });
    logger.warn("command failed");
    logger.child({ clientId: "c-1" }).info("agent connected", { n: 10 });
    expect(sink.lines.map((line) => line.message)).toEqual([
      "agent connected",
      "agent connected",
      "agent connected",
      "command failed",
    ]);
    // The next window: first the count of what was held back, then the line itself.
    now = 1_500;
    logger.info("agent connected", { n: 11 });
    expect(sink.lines.slice(4)).toEqual([
      {
        level: "info",
        message: "log lines suppressed",
        fields: { message: "agent connected", suppressed: 8, windowSeconds: 1 },
      },
      { level: "info", message: "agent connected", fields: { n: 11 } },
    ]);
  });

  it("says the count at the window's end even when the message never comes again", async () => {
    const sink = new RecordingLogger();
    const logger = rateLimitedLogger(sink, { lines: 1, windowMs: 50 });
    logger.error("job failed");
    logger.error("job failed");
    logger.error("job failed");
    await expect
      .poll(() => sink.lines.find((line) => line.message === "log lines suppressed")?.fields)
      .toEqual({ message: "job failed", suppressed: 2, windowSeconds: 0.05 });
    expect(sink.lines.at(-1)?.level).toBe("error");
  });
});
