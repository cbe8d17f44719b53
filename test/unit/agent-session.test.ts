import { describe, expect, it } from "vitest";
import type { Command } from "../../src/core/commands/command.js";
import type { CommandQueue } from "../../src/core/commands/command-queue.js";
import { silentLogger } from "../../src/core/logging/logger.js";
import type { AgentChannel } from "../../src/core/sessions/agent-channel.js";
import type { OutboundMessage } from "../../src/core/sessions/agent-messages.js";
import { AgentSession } from "../../src/core/sessions/agent-session.js";
import type { DisconnectReason } from "../../src/core/sessions/session-control.js";

function command(id: string, priority: number): Command {
  return {
    id,
    clientId: "c",
    agentId: "a",
    instanceId: "i-00000001",
    action: { type: "terminate_instance", instanceId: "i-00000000" },
    priority,
    state: "pending",
    reason: "",
    origin: "system",
    createdAt: 0,
    expiresAt: 1,
    deliveredAt: null,
    deliveryCount: 0,
    acknowledgedAt: null,
    completedAt: null,
    success: null,
    resultMessage: null,
  };
}

/** A transport whose buffer takes `capacity` messages before write() answers false. */
class FakeChannel implements AgentChannel {
  readonly peer = "test";
  written: OutboundMessage[] = [];
  ended: DisconnectReason | null | undefined;
  constructor(public capacity: number) {}
  write(message: OutboundMessage): boolean {
    this.written.push(message);
    return this.written.length < this.capacity;
  }
  end(reason: DisconnectReason | null): void {
    this.ended = reason;
  }
}

function queueOf(commands: Command[]) {
  const delivered: string[] = [];
  const queue = {
    // Like the store: delivered-but-unacknowledged commands stay deliverable; the session must not re-send them.
    deliverable: () => commands,
    markDelivered: (ids: readonly string[]) => delivered.push(...ids),
  } as unknown as CommandQueue;
  return { queue, delivered };
}

describe("agent session", () => {
  it("writes each deliverable command once per stream and records it as delivered", () => {
    const { queue, delivered } = queueOf([command("high", 75), command("low", 10)]);
    const channel = new FakeChannel(100);
    const session = new AgentSession("a", "c", "i-00000001", channel, queue, silentLogger, 4, 0);
    session.flushCommands(0);
    session.flushCommands(1);
    expect(
      channel.written.map((message) => (message.type === "command" ? message.command.id : message.type)),
    ).toEqual(["high", "low"]);
    expect(delivered).toEqual(["high", "low"]);
  });

  it("stops writing when the transport is full and resumes on drain", () => {
    const { queue } = queueOf([command("one", 50), command("two", 50), command("three", 50)]);
    const channel = new FakeChannel(1);
    const session = new AgentSession("a", "c", "i-00000001", channel, queue, silentLogger, 4, 0);
    session.flushCommands(0);
    expect(channel.written).toHaveLength(1);
    session.send({ type: "ping", at: 0 }, 0); // held while blocked
    expect(channel.written).toHaveLength(1);
    channel.capacity = 100;
    session.drained(1);
    expect(channel.written.map((message) => message.type)).toEqual(["command", "ping", "command", "command"]);
  });

  it("drops a stream whose reader never drains instead of holding messages without bound", () => {
    const { queue } = queueOf([command("one", 50)]);
    const channel = new FakeChannel(1);
    const session = new AgentSession("a", "c", "i-00000001", channel, queue, silentLogger, 2, 0);
    session.flushCommands(0);
    for (let ping = 0; ping < 3; ping++) session.send({ type: "ping", at: ping }, ping);
    expect(session.isClosed).toBe(true);
    expect(channel.ended).toEqual({
      code: "resource_exhausted",
      message: "the agent is not reading its stream",
    });
  });
});
