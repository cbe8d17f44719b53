import type { Agent } from "../agents/agent.js";
import type { Clock } from "../clock/clock.js";
import type { InstanceRepository } from "../instances/instance-repository.js";
import type { InstancePeer, InstancePeerRepository } from "./instance-peer.js";

/** What telling callers apart reads (and, for `heard` and `gone`, writes): the store, or a transaction's tx. */
export interface CallerRepos {
  instancePeers: InstancePeerRepository;
  instances: InstanceRepository;
}

export interface PollingCallersDeps {
  clock: Clock;
  livenessDeadlineMs: number;
}

/**
 * Which instance's agent a REST call of a polling agent comes from. The original agent polls per logical agent and
 * names its instance only in registrations, heartbeats and switch reports; after a switch the old instance's agent
 * may go on polling (for the terminate wait, or for good when auto-terminate is off) beside the new one's. What
 * tells them apart is the address each registered from: a call from an address that exactly one of the agent's
 * instances uses is that instance's. Two instances behind one address (a NAT gateway, a proxy) cannot be told
 * apart: then a poll may take nothing while a former primary's agent is still heard, since either could be asking.
 *
 * Each method reads through `repos`; `heard` and `gone` write, in the caller's transaction (which locks the agent).
 */
export class PollingCallers {
  constructor(private readonly deps: PollingCallersDeps) {}

  /**
   * The agent on `instanceId` (one of the agent's) called from `peer`: remembered when the address is new, and as a
   * sign of life when the instance is not the primary (a primary's calls are counted by the agent's liveness).
   */
  async heard(tx: CallerRepos, agent: Agent, instanceId: string, peer: string): Promise<void> {
    const now = this.deps.clock.now();
    const known = (await tx.instancePeers.listByAgent(agent.id)).find((row) => row.instanceId === instanceId);
    if (known?.peerAddress === peer && instanceId === agent.instanceId) return;
    await tx.instancePeers.save({
      clientId: agent.clientId,
      instanceId,
      agentId: agent.id,
      peerAddress: peer,
      seenAt: now,
      updatedAt: now,
    });
  }

  /** Whether `heard` would write: the instance is not the primary, or its address is new. */
  async wouldRecord(repos: CallerRepos, agent: Agent, instanceId: string, peer: string): Promise<boolean> {
    if (instanceId !== agent.instanceId) return true;
    const known = (await repos.instancePeers.listByAgent(agent.id)).find(
      (row) => row.instanceId === instanceId,
    );
    return known?.peerAddress !== peer;
  }

  /** The agent on `instanceId` said goodbye: it no longer counts as running, and its address no longer as its. */
  gone(tx: CallerRepos, agent: Agent, instanceId: string): Promise<void> {
    return tx.instancePeers.delete(agent.clientId, instanceId);
  }

  /** Whether `instanceId` is one of the agent's instances (a name in a request is only trusted then). */
  async isAgentInstance(repos: CallerRepos, agent: Agent, instanceId: string | null): Promise<boolean> {
    if (!instanceId) return false;
    return (await repos.instances.find(agent.clientId, instanceId))?.agentId === agent.id;
  }

  /** The instance the call comes from, when its address says so unambiguously; null otherwise. */
  async identify(repos: CallerRepos, agent: Agent, peer: string): Promise<string | null> {
    if (!peer || peer === "unknown") return null;
    const matches = (await repos.instancePeers.listByAgent(agent.id)).filter(
      (row) => row.peerAddress === peer,
    );
    return matches.length === 1 ? (matches[0] as InstancePeer).instanceId : null;
  }

  /**
   * Whose commands a poll from `peer` may take: the instance it is identified as; otherwise the primary's (the
   * latest registration is the primary), unless a former primary's agent is still heard, when it could be either
   * asking and the poll takes nothing (null).
   */
  async pollTarget(repos: CallerRepos, agent: Agent, peer: string): Promise<string | null> {
    const identified = await this.identify(repos, agent, peer);
    if (identified) return identified;
    return (await this.formerPrimaryRunning(repos, agent)) ? null : agent.instanceId;
  }

  /** A former primary of the agent whose agent was heard within the liveness deadline and that still runs. */
  async formerPrimaryRunning(repos: CallerRepos, agent: Agent): Promise<boolean> {
    const since = this.deps.clock.now() - this.deps.livenessDeadlineMs;
    for (const row of await repos.instancePeers.listByAgent(agent.id)) {
      if (row.instanceId === agent.instanceId) continue;
      const instance = await repos.instances.find(agent.clientId, row.instanceId);
      if (!instance || instance.agentId !== agent.id || instance.state !== "running") continue;
      // Retiring it is the last news of a former primary whose agent has not been heard since.
      if (Math.max(row.seenAt ?? 0, instance.role === "primary" ? 0 : instance.updatedAt) >= since)
        return true;
    }
    return false;
  }
}
