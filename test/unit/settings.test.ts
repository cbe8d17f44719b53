import { describe, expect, it } from "vitest";
import { parseListenAddress, resolveSettings, SettingsError } from "../../src/config/settings.js";

const resolve = (flags: Record<string, string> = {}, env: Record<string, string> = {}) =>
  resolveSettings({ flags, env });

describe("settings", () => {
  it("has the documented defaults", () => {
    const settings = resolve();
    expect(settings.grpc).toEqual({ host: "0.0.0.0", port: 50051 });
    expect(settings.http).toEqual({ host: "0.0.0.0", port: 8080 });
    expect(settings.dataDir).toMatch(/\/data$/);
    expect(settings.adminToken).toBeNull();
    expect(settings.tls).toBeNull();
    expect(settings.logLevel).toBe("info");
    expect(settings.heartbeatIntervalSeconds).toBe(30);
    expect(settings.databaseUrl).toBeNull();
  });

  it("takes a PostgreSQL URL from SPOT_DATABASE_URL or --database-url", () => {
    const url = "postgres://spot:secret@db.internal:5432/spot";
    expect(resolve({}, { SPOT_DATABASE_URL: url }).databaseUrl).toBe(url);
    expect(resolve({ "database-url": "postgresql://db/spot" }, { SPOT_DATABASE_URL: url }).databaseUrl).toBe(
      "postgresql://db/spot",
    );
  });

  it.each([
    ["mysql://spot:secret@db/spot", "must be a postgres:// or postgresql:// URL"],
    ["db.internal:5432/spot", "must be a postgres:// or postgresql:// URL"],
    ["not a url", "SPOT_DATABASE_URL must be a URL like postgres://user:password@host:5432/database"],
    ["postgres://spot:secret@db.internal:5432", "SPOT_DATABASE_URL names no database"],
  ])("refuses the database URL %s without repeating its password", (url, message) => {
    expect(() => resolve({}, { SPOT_DATABASE_URL: url })).toThrow(message);
    try {
      resolve({}, { SPOT_DATABASE_URL: url });
    } catch (error) {
      expect((error as Error).message).not.toContain("secret");
    }
  });

  it("takes the environment, and a flag over the environment", () => {
    const settings = resolve(
      { "http-addr": "127.0.0.1:9090" },
      { SPOT_HTTP_ADDR: "0.0.0.0:1", SPOT_GRPC_ADDR: "[::1]:6000", SPOT_LOG_LEVEL: "debug" },
    );
    expect(settings.http).toEqual({ host: "127.0.0.1", port: 9090 });
    expect(settings.grpc).toEqual({ host: "::1", port: 6000 });
    expect(settings.logLevel).toBe("debug");
  });

  it.each([
    [{ SPOT_GRPC_ADDR: "50051" }, /SPOT_GRPC_ADDR must be host:port/],
    [{ SPOT_HTTP_ADDR: "localhost:99999" }, /SPOT_HTTP_ADDR must be host:port/],
    [{ SPOT_LOG_LEVEL: "loud" }, /SPOT_LOG_LEVEL must be one of/],
    [{ SPOT_TLS_CERT: "/etc/hostname" }, /needs both SPOT_TLS_CERT and SPOT_TLS_KEY/],
    [{ SPOT_TLS_CERT: "/nope.pem", SPOT_TLS_KEY: "/nope.key" }, /SPOT_TLS_CERT: no file at \/nope.pem/],
    [{ SPOT_ADMIN_TOKEN: "short" }, /at least 16 characters/],
    [{ SPOT_HEARTBEAT_INTERVAL: "0" }, /SPOT_HEARTBEAT_INTERVAL must be a whole number/],
    [{ SPOT_HEARTBEAT_INTERVAL: "60", SPOT_LIVENESS_DEADLINE: "30" }, /must be longer than/],
  ])("refuses %o with a clear message", (env, message) => {
    expect(() => resolve({}, env)).toThrow(SettingsError);
    expect(() => resolve({}, env)).toThrow(message);
  });

  it("names the flag when the flag gave the bad value, and the variable when the environment did", () => {
    expect(() => resolve({ "heartbeat-interval": "-5" }, { SPOT_HEARTBEAT_INTERVAL: "10" })).toThrow(
      '--heartbeat-interval must be a whole number of seconds from 1 to 3600, got "-5"',
    );
    expect(() => resolve({}, { SPOT_HEARTBEAT_INTERVAL: "-5" })).toThrow(/^SPOT_HEARTBEAT_INTERVAL must be/);
    expect(() => resolve({ "log-level": "loud" })).toThrow(
      /^--log-level must be one of debug, info, warn, error/,
    );
    expect(() => resolve({ "liveness-deadline": "20" }, { SPOT_HEARTBEAT_INTERVAL: "30" })).toThrow(
      "--liveness-deadline must be longer than SPOT_HEARTBEAT_INTERVAL",
    );
  });

  it("reads how Prometheus reaches /metrics: a listener of its own and a metrics token, off by default", () => {
    expect(resolve().metrics).toEqual({ address: null, token: null });
    const settings = resolve(
      { "metrics-addr": "10.0.0.5:9464" },
      { SPOT_METRICS_TOKEN: "prometheus-token-0123456789" },
    );
    expect(settings.metrics).toEqual({
      address: { host: "10.0.0.5", port: 9464 },
      token: "prometheus-token-0123456789",
    });
    expect(() => resolve({}, { SPOT_METRICS_TOKEN: "short" })).toThrow(/at least 16 characters/);
    expect(() =>
      resolve({}, { SPOT_METRICS_TOKEN: "same-token-0123456789", SPOT_ADMIN_TOKEN: "same-token-0123456789" }),
    ).toThrow(/must differ from SPOT_ADMIN_TOKEN/);
    expect(() => resolve({}, { SPOT_METRICS_ADDR: "9464" })).toThrow(/SPOT_METRICS_ADDR must be host:port/);
  });

  it("refuses private webhook targets unless the operator allows them", () => {
    expect(resolve().webhookAllowPrivate).toBe(false);
    expect(resolve({}, { SPOT_WEBHOOK_ALLOW_PRIVATE: "on" }).webhookAllowPrivate).toBe(true);
    const flags = { "webhook-allow-private": true } as unknown as Record<string, string>;
    expect(resolve(flags).webhookAllowPrivate).toBe(true);
    expect(() => resolve({}, { SPOT_WEBHOOK_ALLOW_PRIVATE: "maybe" })).toThrow(
      /SPOT_WEBHOOK_ALLOW_PRIVATE must be true or false/,
    );
  });

  it("parses IPv4, IPv6 and host names", () => {
    expect(parseListenAddress("x", "example.org:443")).toEqual({ host: "example.org", port: 443 });
    expect(parseListenAddress("x", "[::]:0")).toEqual({ host: "::", port: 0 });
    expect(() => parseListenAddress("x", "::1:80")).toThrow(SettingsError);
  });
});
