import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import { rest } from "../support/rest.js";
import { type ServerProcess, startServerProcess } from "../support/server-process.js";
import { helloFor, TestAgent } from "../support/test-agent.js";

const ADMIN_TOKEN = "restart-test-admin-token-0123456789";

describe("server restart (new process, same data directory)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "spot-restart-"));
  const running: ServerProcess[] = [];
  const start = async () => {
    const server = await startServerProcess({ dataDir, env: { SPOT_ADMIN_TOKEN: ADMIN_TOKEN } });
    running.push(server);
    return server;
  };
  afterAll(() => {
    for (const server of running) server.killNow();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("loses no command across a crash and a clean restart, and re-sends only unacknowledged ones", async () => {
    let server = await start();
    const { token } = await createClient(server.grpcAddress, ADMIN_TOKEN, "Acme");
    const hello = helloFor("durable-1");
    const first = await TestAgent.connect(server.grpcAddress, token, hello);
    first.agent.close();

    const issue = async (body: object) => {
      const response = await rest(
        server.httpUrl,
        "POST",
        `/api/client/instances/${hello.instanceId}/force-switch`,
        {
          token,
          body,
        },
      );
      expect(response.status).toBe(201);
      return response.body.command_id as string;
    };
    const toPool = await issue({ target: "pool", pool_id: "m5.large.us-east-1b" });
    const toOnDemand = await issue({ target: "ondemand" });

    // Crash: no shutdown hook runs. Both commands were acknowledged to the caller, so both must survive.
    server.kill("SIGKILL");
    expect(await server.exited).toBe("SIGKILL");

    server = await start();
    const second = await TestAgent.connect(server.grpcAddress, token, hello);
    await second.agent.waitFor(() => (second.agent.commands().length === 2 ? true : undefined));
    expect(second.agent.commands().map((command) => command.id)).toEqual([toPool, toOnDemand]);
    second.agent.ack(toPool);
    second.agent.result(toPool, true, "switched");
    await expect
      .poll(
        async () =>
          (await rest(server.httpUrl, "GET", `/api/client/commands/${toPool}`, { token })).body.state,
      )
      .toBe("completed");
    second.agent.close();

    // Clean stop: SIGTERM drains and exits 0.
    server.kill("SIGTERM");
    expect(await server.exited).toBe(0);

    server = await start();
    const third = await TestAgent.connect(server.grpcAddress, token, hello);
    await third.agent.waitFor(() => (third.agent.commands().length >= 1 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(third.agent.commands().map((command) => command.id)).toEqual([toOnDemand]);
    const stored = await rest(server.httpUrl, "GET", `/api/client/commands/${toOnDemand}`, { token });
    expect(stored.body).toMatchObject({ state: "delivered", deliveryCount: 2 });
    third.agent.close();
    server.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  }, 60_000);
});
