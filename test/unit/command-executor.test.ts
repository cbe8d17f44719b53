import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Command } from "../../gen/spot/v1/command.js";
import type { AgentContext } from "../../src/agent/agent-context.js";
import { AgentStateFile } from "../../src/agent/agent-state-file.js";
import { CommandExecutor } from "../../src/agent/command-executor.js";
import type { MessageBody } from "../../src/agent/control-channel.js";
import type { Ec2Gateway } from "../../src/aws/ec2-gateway.js";
import { silentLogger } from "../../src/core/logging/logger.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function statePath(): string {
  const dir = mkdtempSync(join(tmpdir(), "spot-executor-"));
  dirs.push(dir);
  return join(dir, "state.json");
}

/** An EC2 double that only counts terminations: enough to see whether a command ran. */
function harness(path: string) {
  const sent: MessageBody[] = [];
  const terminated: string[] = [];
  const ec2 = {
    terminate: async (instanceId: string) => {
      terminated.push(instanceId);
    },
  } as unknown as Ec2Gateway;
  const context: AgentContext = {
    logicalAgentId: "web-1",
    identity: {
      instanceId: "i-0000000000000000a",
      instanceType: "m5.large",
      availabilityZone: "us-east-1a",
      region: "us-east-1",
      lifecycle: "spot",
      amiId: null,
      privateIp: null,
      publicIp: null,
      hostname: null,
    },
    ec2,
    logger: silentLogger,
    report: (body) => sent.push(body),
    config: () => undefined,
    retire: () => {},
    timing: { ec2WaitTimeoutMs: 1_000, ec2PollMs: 10 },
  };
  const executor = new CommandExecutor(context, AgentStateFile.load(path), () => {});
  const results = () => sent.filter((body) => body.$case === "commandResult").map((body) => body.value);
  const acks = () => sent.filter((body) => body.$case === "commandAck").length;
  return { executor, terminated, results, acks };
}

const terminateCommand = (id: string, instanceId = "i-0000000000000000b"): Command => ({
  id,
  priority: 25,
  createdAt: new Date(),
  expiresAt: new Date(Date.now() + 60_000),
  reason: "test",
  action: { $case: "terminateInstance", value: { instanceId } },
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("command executor", () => {
  it("executes a re-delivered command once, acknowledging each delivery and repeating its result", async () => {
    const { executor, terminated, results, acks } = harness(statePath());
    executor.handle(terminateCommand("c-1"));
    executor.handle(terminateCommand("c-1")); // delivered again while running
    await settle();
    executor.handle(terminateCommand("c-1")); // and again after it finished
    await settle();
    expect(terminated).toEqual(["i-0000000000000000b"]);
    expect(acks()).toBe(3);
    expect(results()).toEqual([
      { commandId: "c-1", success: true, message: "terminated i-0000000000000000b" },
      { commandId: "c-1", success: true, message: "terminated i-0000000000000000b" },
    ]);
  });

  it("remembers executed commands across an agent restart", async () => {
    const path = statePath();
    const first = harness(path);
    first.executor.handle(terminateCommand("c-2"));
    await settle();
    const second = harness(path); // a new process reading the same state file
    second.executor.handle(terminateCommand("c-2"));
    await settle();
    expect(second.terminated).toEqual([]);
    expect(second.results()).toEqual([
      { commandId: "c-2", success: true, message: "terminated i-0000000000000000b" },
    ]);
  });

  it("does not run a second time a command that was running when the agent died", async () => {
    const path = statePath();
    AgentStateFile.load(path).markRunning("c-3");
    const { executor, terminated, results } = harness(path);
    executor.handle(terminateCommand("c-3"));
    await settle();
    expect(terminated).toEqual([]);
    expect(results()).toEqual([
      expect.objectContaining({
        commandId: "c-3",
        success: false,
        message: expect.stringMatching(/interrupted/),
      }),
    ]);
  });

  it("refuses a command that expired before it arrived", async () => {
    const { executor, terminated, results } = harness(statePath());
    executor.handle({ ...terminateCommand("c-4"), expiresAt: new Date(Date.now() - 1_000) });
    await settle();
    expect(terminated).toEqual([]);
    expect(results()[0]).toMatchObject({ success: false, message: expect.stringMatching(/expired/) });
  });

  it("sends again, after a reconnect, the results the server never confirmed", async () => {
    const path = statePath();
    const { executor, results } = harness(path);
    executor.handle(terminateCommand("c-5"));
    await settle();
    executor.resendUnreportedResults();
    expect(results()).toHaveLength(2);
    expect(AgentStateFile.load(path).unreportedResults()).toHaveLength(1);
  });
});
