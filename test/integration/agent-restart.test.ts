import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { afterAll, describe, expect, it } from "vitest";
import { AgentRig } from "../support/agent-harness.js";
import type { CliProcess } from "../support/cli-process.js";
import { createClient } from "../support/fixtures.js";
import { freePort } from "../support/free-port.js";
import { rest } from "../support/rest.js";
import { type ServerProcess, startServerProcess } from "../support/server-process.js";

const ADMIN_TOKEN = "agent-restart-admin-token-0123456789";

describe("control plane killed while the agent executes a command", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "spot-agent-restart-"));
  const processes: Array<ServerProcess | CliProcess> = [];
  let rig: AgentRig | undefined;
  afterAll(async () => {
    for (const process of processes) process.kill("SIGKILL");
    await rig?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("the agent reconnects by itself and the command is executed exactly once", async () => {
    rig = await AgentRig.start();
    const grpcPort = await freePort();
    const start = async () => {
      const server = await startServerProcess({
        dataDir,
        env: { SPOT_ADMIN_TOKEN: ADMIN_TOKEN },
        args: ["--grpc-addr", `127.0.0.1:${grpcPort}`],
      });
      processes.push(server);
      return server;
    };
    let server = await start();
    const { token, clientId } = await createClient(server.grpcAddress, ADMIN_TOKEN, "Acme");
    const host = await rig.host();
    const agent = rig.startAgent(server.grpcAddress, token);
    processes.push(agent);
    await agent.waitForLine((line) => line.msg === "connected", 20_000);

    const issued = await rest(
      server.httpUrl,
      "POST",
      `/api/client/instances/${host.instanceId}/force-switch`,
      {
        token,
        body: { target: "ondemand" },
      },
    );
    const commandId: string = issued.body.command_id;
    // The moment the agent starts executing, the control plane dies.
    await agent.waitForLine(
      (line) => line.msg === "executing command" && line.commandId === commandId,
      10_000,
      {
        past: true,
      },
    );
    server.kill("SIGKILL");
    expect(await server.exited).toBe("SIGKILL");

    server = await start();
    // The agent finds the new process on its own (backoff with jitter) and delivers what it owes.
    await expect
      .poll(
        async () =>
          (await rest(server.httpUrl, "GET", `/api/client/commands/${commandId}`, { token })).body.state,
        {
          timeout: 30_000,
          interval: 250,
        },
      )
      .toBe("completed");
    const connections = agent.linesMatching((line) => line.msg === "connected");
    expect(connections.length).toBeGreaterThanOrEqual(2);
    const executions = agent.linesMatching(
      (line) => line.msg === "executing command" && line.commandId === commandId,
    );
    expect(executions).toHaveLength(1);

    // Exactly one replacement in EC2, and one switch recorded.
    const ec2 = rig.moto.client();
    const described = await ec2.send(new DescribeInstancesCommand({}));
    ec2.destroy();
    const launched = (described.Reservations ?? [])
      .flatMap((reservation) => reservation.Instances ?? [])
      .filter((instance) => instance.Tags?.some((tag) => tag.Key === "CommandId" && tag.Value === commandId));
    expect(launched).toHaveLength(1);
    expect(launched[0]?.InstanceLifecycle).toBeUndefined(); // on-demand
    const history = await rest(server.httpUrl, "GET", `/api/client/${clientId}/switch-history`, { token });
    expect(history.status).toBe(200);
    expect(history.body).toHaveLength(1);
    expect(history.body[0].newInstanceId).toBe(launched[0]?.InstanceId);
  }, 90_000);
});
