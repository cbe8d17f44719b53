import { describe, expect, it } from "vitest";
import { resolveAgentSettings } from "../../src/agent/agent-settings.js";
import { SettingsError } from "../../src/config/settings-error.js";

const required = { SPOT_SERVER: "cp.internal:50051", SPOT_TOKEN: "spot_0123456789" };
const resolve = (flags: Record<string, string | boolean> = {}, env: Record<string, string> = required) =>
  resolveAgentSettings({ flags, env });

describe("agent settings", () => {
  it("has the documented defaults, and takes a flag over the environment", () => {
    expect(resolve()).toMatchObject({
      server: "cp.internal:50051",
      logicalAgentId: null,
      tls: null,
      pricingIntervalSeconds: 300,
      interruptionPollMs: 1_000,
      reregister: false,
      logLevel: "info",
    });
    expect(resolve({ "interruption-poll-ms": "250", tls: true, reregister: true })).toMatchObject({
      interruptionPollMs: 250,
      tls: { caPath: null },
      reregister: true,
    });
  });

  it.each([
    [{}, {}, /SPOT_SERVER \(or --server\) is required/],
    [
      { server: "nowhere" },
      required,
      /^--server must be host:port, or several separated by commas \(a:50051,b:50051\), got "nowhere"/,
    ],
    [{}, { ...required, SPOT_SERVER: "nowhere" }, /^SPOT_SERVER must be host:port/],
    [
      { "interruption-poll-ms": "5" },
      required,
      /^--interruption-poll-ms must be a whole number from 100 to 2000/,
    ],
    [{}, { ...required, SPOT_TLS: "maybe" }, /^SPOT_TLS must be true or false, got "maybe"/],
    [{ mode: "reserved" }, required, /^--mode must be one of spot, ondemand, got "reserved"/],
    [{ "tls-ca": "/nope.pem" }, required, /^--tls-ca: no file at \/nope\.pem/],
  ])("refuses %o (environment %o) naming what gave the value", (flags, env, message) => {
    expect(() => resolve(flags, env)).toThrow(SettingsError);
    expect(() => resolve(flags, env)).toThrow(message);
  });
});
