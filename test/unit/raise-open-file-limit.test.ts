import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import {
  parseOpenFileLimit,
  raiseOpenFileLimit,
  readOpenFileLimit,
} from "../../src/raise-open-file-limit.js";

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             63448                63448                processes
Max open files            1024                 20000                files
Max locked memory         8388608              8388608              bytes
`;

describe("raiseOpenFileLimit", () => {
  const atStart = readOpenFileLimit();
  afterAll(() => {
    if (atStart)
      spawnSync("prlimit", ["--pid", String(process.pid), `--nofile=${atStart.soft}:${atStart.hard}`]);
  });

  it("reads the soft and hard limits of open files", () => {
    expect(parseOpenFileLimit(LIMITS)).toEqual({ soft: 1024, hard: 20_000 });
    expect(parseOpenFileLimit(LIMITS.replace("20000", "unlimited"))).toEqual({
      soft: 1024,
      hard: Number.POSITIVE_INFINITY,
    });
    expect(parseOpenFileLimit("Max processes 1 1 processes")).toBeNull();
  });

  it("raises a lowered soft limit of this process to the hard limit", () => {
    if (!atStart || !Number.isFinite(atStart.hard) || atStart.hard <= 1024) return;
    const lowered = spawnSync("prlimit", ["--pid", String(process.pid), `--nofile=1024:${atStart.hard}`]);
    expect(lowered.status).toBe(0);
    expect(readOpenFileLimit()?.soft).toBe(1024);
    expect(raiseOpenFileLimit()).toEqual({ soft: atStart.hard, hard: atStart.hard });
  });
});
