import { type Agent, DEFAULT_AGENT_CONFIG } from "../../src/core/agents/agent.js";
import type { Instance } from "../../src/core/instances/instance.js";

/** A fixed time the repository scenarios count from. */
export const T = 1_700_000_000_000;

/** An agent of `clientId` as the core hands it to a repository. */
export const agent = (id: string, clientId: string, overrides: Partial<Agent> = {}): Agent => ({
  id,
  clientId,
  logicalAgentId: `logical-${id}`,
  hostname: `${id}.internal`,
  instanceId: `i-${id}`,
  instanceType: "m5.large",
  region: "us-east-1",
  availabilityZone: "us-east-1a",
  amiId: null,
  privateIp: "10.0.0.1",
  publicIp: null,
  mode: "spot",
  poolId: "m5.large.us-east-1a",
  agentVersion: "2.0.0",
  status: "online",
  lastSeenAt: T + 100,
  lastSwitchAt: null,
  lastCleanupAt: null,
  createdAt: T,
  updatedAt: T,
  deletedAt: null,
  config: { ...DEFAULT_AGENT_CONFIG },
  ...overrides,
});

/** An instance of client "acme" as the core hands it to a repository. */
export const instance = (
  id: string,
  agentId: string | null,
  overrides: Partial<Instance> = {},
): Instance => ({
  id,
  clientId: "acme",
  agentId,
  instanceType: "m5.large",
  region: "us-east-1",
  availabilityZone: "us-east-1a",
  mode: "spot",
  poolId: "m5.large.us-east-1a",
  amiId: null,
  role: "primary",
  state: "running",
  spotPrice: 0.03,
  onDemandPrice: 0.096,
  launchedAt: T,
  terminatedAt: null,
  unmanagedAt: null,
  lastSwitchAt: null,
  createdAt: T,
  updatedAt: T,
  ...overrides,
});
