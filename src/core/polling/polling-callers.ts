import type { Agent } from "../agents/agent.js";
import type { Clock } from "../clock/clock.js";
import type { Repositories } from "../unit-of-work.js";
import type { InstancePeer } from "./instance-peer.js";

/**
 * Which instance's agent a REST call of a polling agent comes from. The original agent polls per logical agent and
 * names its instance only in registrations, heartbeats and switch reports; after a switch the old instance's agent
 * may go on polling (for the terminate wait, or for good when auto-terminate is off) beside the new one's. What
 * tells them apart is the address each registered from: a call from an address that exactly one of the agent's
 * instances uses is that instance's. Two instances behind one address (a NAT gateway, a proxy) cannot be told
 * apart: then a poll may take nothing while a former primary's agent is still heard, since either could be asking.
 */
export class PollingCallers {
  constructor(
    private readonly repos: Repositories,
    private readonly clock: Clock,
    private readonly livenessDeadlineMs: number,
  ) {}

  /**
   * The agent on `instanceId` (one of the agent's) called from `peer`: remembered when the address is new, and as a
   * sign of life when the instance is not the primary (a primary's calls are counted by the agent's liveness).
   */
  heard(agent: Agent, instanceId: string, peer: string): void {
    const now = this.clock.now();
    const known = this.repos.instancePeers.listByAgent(agent.id).find((row) => row.instanceId === instanceId);
    if (known?.peerAddress === peer && instanceId === agent.instanceId) return;
    this.repos.instancePeers.save({
      clientId: agent.clientId,
      instanceId,
      agentId: agent.id,
      peerAddress: peer,
      seenAt: now,
      updatedAt: now,
    });
  }

  /** The agent on `instanceId` said goodbye: it no longer counts as running, and its address no longer as its. */
  gone(agent: Agent, instanceId: string): void {
    this.repos.instancePeers.delete(agent.clientId, instanceId);
  }

  /** Whether `instanceId` is one of the agent's instances (a name in a request is only trusted then). */
  isAgentInstance(agent: Agent, instanceId: string | null): instanceId is string {
    if (!instanceId) return false;
    return this.repos.instances.find(agent.clientId, instanceId)?.agentId === agent.id;
  }

  /** The instance the call comes from, when its address says so unambiguously; null otherwise. */
  identify(agent: Agent, peer: string): string | null {
    if (!peer || peer === "unknown") return null;
    const matches = this.repos.instancePeers.listByAgent(agent.id).filter((row) => row.peerAddress === peer);
    return matches.length === 1 ? (matches[0] as InstancePeer).instanceId : null;
  }

  /**
   * Whose commands a poll from `peer` may take: the instance it is identified as; otherwise the primary's (the
   * latest registration is the primary), unless a former primary's agent is still heard, when it could be either
   * asking and the poll takes nothing (null).
   */
  pollTarget(agent: Agent, peer: string): string | null {
    const identified = this.identify(agent, peer);
    if (identified) return identified;
    return this.formerPrimaryRunning(agent) ? null : agent.instanceId;
  }

  /** A former primary of the agent whose agent was heard within the liveness deadline and that still runs. */
  formerPrimaryRunning(agent: Agent): boolean {
    const since = this.clock.now() - this.livenessDeadlineMs;
    return this.repos.instancePeers.listByAgent(agent.id).some((row) => {
      if (row.instanceId === agent.instanceId) return false;
      const instance = this.repos.instances.find(agent.clientId, row.instanceId);
      if (!instance || instance.agentId !== agent.id || instance.state !== "running") return false;
      // Retiring it is the last news of a former primary whose agent has not been heard since.
      return Math.max(row.seenAt ?? 0, instance.role === "primary" ? 0 : instance.updatedAt) >= since;
    });
  }
}
