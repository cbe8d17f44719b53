import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import { rest } from "../support/rest.js";
import { helloFor } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const BUF = new URL("../../node_modules/.bin/buf", import.meta.url).pathname;
const run = promisify(execFile);

/** `buf curl` speaks the same server-reflection protocol as grpcurl: nothing here uses generated code. */
describe("server reflection with buf curl", () => {
  let server: TestApp;
  const base = () => `http://${server.grpcAddress}`;
  const curl = (...args: string[]) =>
    run(BUF, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args]);

  beforeAll(async () => {
    server = await startTestApp();
  });
  afterAll(async () => server.dispose());

  it("lists the five services, health and reflection", async () => {
    const { stdout } = await curl("--list-services", base());
    expect(stdout.trim().split("\n").sort()).toEqual([
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
      "spot.v1.AdminService",
      "spot.v1.AgentService",
      "spot.v1.DecisionService",
      "spot.v1.ReplicaService",
      "spot.v1.SavingsService",
    ]);
    const methods = await curl("--list-methods", base());
    expect(methods.stdout).toContain("spot.v1.AgentService/Connect");
    expect(methods.stdout).toContain("spot.v1.AdminService/CreateClient");
    const health = await curl(
      "-d",
      '{"service":"spot.v1.AgentService"}',
      `${base()}/grpc.health.v1.Health/Check`,
    );
    expect(JSON.parse(health.stdout)).toEqual({ status: "SERVING" });
  });

  it("invokes an AdminService method, whose response has timestamps (a well-known type)", async () => {
    const { stdout } = await curl(
      "-H",
      `authorization: Bearer ${server.adminToken}`,
      "-d",
      '{"name":"Reflected Inc"}',
      `${base()}/spot.v1.AdminService/CreateClient`,
    );
    const created = JSON.parse(stdout);
    expect(created.client.name).toBe("Reflected Inc");
    expect(created.client.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(created.token).toMatch(/^spot_/);
  });

  it("runs an agent's Connect stream and receives a pushed command", async () => {
    const { token } = await createClient(server.grpcAddress, server.adminToken, "Streamer");
    const hello = helloFor("curl-agent", { mode: 1 });
    const child = spawn(
      BUF,
      [
        "curl",
        "--protocol",
        "grpc",
        "--http2-prior-knowledge",
        "-H",
        `authorization: Bearer ${token}`,
        "-d",
        "@-",
      ].concat(`${base()}/spot.v1.AgentService/Connect`),
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.stdin.write(
      `${JSON.stringify({
        seq: 1,
        hello: { ...hello, mode: "INSTANCE_MODE_SPOT", publicIp: undefined },
      })}\n`,
    );
    await expect.poll(() => output, { timeout: 10_000 }).toContain('"welcome"');
    const issued = await rest(
      server.httpUrl,
      "POST",
      `/api/client/instances/${hello.instanceId}/force-switch`,
      {
        token,
        body: { target: "ondemand" },
      },
    );
    await expect.poll(() => output, { timeout: 10_000 }).toContain(issued.body.command_id);
    expect(output).toContain('"switchToOnDemand"');
    child.stdin.write(`${JSON.stringify({ seq: 2, commandAck: { commandId: issued.body.command_id } })}\n`);
    child.stdin.end();
    expect(await exited).toBe(0);
    const stored = await rest(server.httpUrl, "GET", `/api/client/commands/${issued.body.command_id}`, {
      token,
    });
    expect(stored.body.state).toBe("acknowledged");
  });
});
