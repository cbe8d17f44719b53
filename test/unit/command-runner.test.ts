import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Command } from "../../gen/spot/v1/command.js";
import type { AgentContext } from "../../src/agent/agent-context.js";
import { AgentStateFile } from "../../src/agent/agent-state-file.js";
import { Ec2CommandExecutor } from "../../src/agent/ec2-command-executor.js";
import { CommandRunner } from "../../src/agent/protocol/command-runner.js";
import type { MessageBody, Settlement } from "../../src/agent/protocol/outbox.js";
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

/**
 * An EC2 double that only counts terminations: enough to see whether a command ran. The server's answer to each
 * acknowledgement is `ackAnswer` (a receipt by default), given on the next turn as the stream would.
 */
function harness(path: string, ackAnswer: Settlement = { ok: true }) {
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
    report: (body) => reporter.send(body),
    config: () => undefined,
    retire: () => {},
    timing: { ec2WaitTimeoutMs: 1_000, ec2PollMs: 10 },
  };
  const reporter = {
    send: (body: MessageBody) => {
      const seq = sent.push(body);
      if (body.$case === "commandAck") setImmediate(() => executor.settled(seq, ackAnswer));
      return seq;
    },
  };
  const executor = new CommandRunner(
    reporter,
    AgentStateFile.load(path),
    new Ec2CommandExecutor(context, () => {}),
    silentLogger,
  );
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

describe("command runner over the EC2 executor", () => {
  it("executes a re-delivered command once, acknowledging it and repeating its result", async () => {
    const { executor, terminated, results, acks } = harness(statePath());
    executor.handle(terminateCommand("c-1"));
    executor.handle(terminateCommand("c-1")); // delivered again before the server answered the first ack
    await settle();
    executor.handle(terminateCommand("c-1")); // and again after it finished
    await settle();
    expect(terminated).toEqual(["i-0000000000000000b"]);
    expect(acks()).toBe(2);
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

  it("runs a command only once the server accepted its acknowledgement, and never one it refused", async () => {
    const refused = harness(statePath(), {
      ok: false,
      code: "failed_precondition",
      message: "command c-6 is cancelled (replica terminated); do not execute it",
    });
    refused.executor.handle(terminateCommand("c-6"));
    expect(refused.executor.busy).toBe(1); // waiting for the server's word
    await settle();
    expect(refused.terminated).toEqual([]);
    expect(refused.results()).toEqual([]);
    expect(refused.executor.busy).toBe(0);
    refused.executor.handle(terminateCommand("c-6")); // delivered again: still not run
    await settle();
    expect(refused.terminated).toEqual([]);

    const accepted = harness(statePath());
    accepted.executor.handle(terminateCommand("c-7"));
    expect(accepted.terminated).toEqual([]); // not before the receipt
    await settle();
    expect(accepted.terminated).toEqual(["i-0000000000000000b"]);
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
