import { describe, expect } from "vitest";
import type { Command } from "../../src/core/commands/command.js";
import type { DecisionRecord } from "../../src/core/decisions/decision-record.js";
import type { Interruption } from "../../src/core/interruptions/interruption.js";
import type { ModelRecord } from "../../src/core/models/model-record.js";
import type { SwitchRecord, SwitchWithAgent } from "../../src/core/switches/switch-record.js";
import { agent, instance, T } from "../support/domain-fixtures.js";
import { describeParity, type OpenedStore } from "../support/repository-parity.js";

const H = 3_600_000;
const DAY = 24 * H;

const switchRecord = (
  id: string,
  reportedAt: number,
  overrides: Partial<SwitchRecord> = {},
): SwitchRecord => ({
  id,
  clientId: "acme",
  agentId: "a1",
  commandId: `cmd-${id}`,
  from: {
    instanceId: `i-from-${id}`,
    instanceType: "m5.large",
    region: "us-east-1",
    availabilityZone: "us-east-1a",
    mode: "spot",
    poolId: "m5.large.us-east-1a",
    amiId: null,
  },
  to: {
    instanceId: `i-to-${id}`,
    instanceType: "m5.large",
    region: "us-east-1",
    availabilityZone: "us-east-1b",
    mode: "spot",
    poolId: "m5.large.us-east-1b",
    amiId: "ami-1",
  },
  onDemandPrice: 0.096,
  oldSpotPrice: 0.03125,
  newSpotPrice: 0.025,
  hourlySavings: 0.00625,
  trigger: "optimizer",
  timing: {
    initiatedAt: reportedAt - 300,
    imageCreatedAt: null,
    instanceLaunchedAt: reportedAt - 200,
    instanceReadyAt: reportedAt - 100,
    oldTerminatedAt: null,
  },
  reportedAt,
  ...overrides,
});

const command = (id: string, overrides: Partial<Command> = {}): Command => ({
  id,
  clientId: "acme",
  agentId: "a1",
  instanceId: "i-a1",
  action: {
    type: "switch_to_spot_pool",
    poolId: "m5.large.us-east-1b",
    instanceType: "m5.large",
    availabilityZone: "us-east-1b",
    terminateWaitSeconds: 60,
  },
  priority: 25,
  state: "pending",
  reason: id,
  origin: "optimizer",
  createdAt: T,
  expiresAt: T + 30 * DAY,
  deliveredAt: null,
  deliveryCount: 0,
  acknowledgedAt: null,
  completedAt: null,
  success: null,
  resultMessage: null,
  ...overrides,
});

async function switchScenario({ repositories: { agents, commands, switches }, addClient }: OpenedStore) {
  await addClient("acme");
  await addClient("globex");
  await agents.insert(agent("a1", "acme"));
  // The commands the switches carried out.
  for (const id of ["cmd-s1", "cmd-s2"]) {
    await commands.insert(command(id, { state: "completed", success: true, completedAt: T - 2 * DAY }));
  }
  await switches.insert(switchRecord("s1", T - 2 * DAY, { trigger: "manual" }));
  await switches.insert(switchRecord("s2", T - 2 * DAY + H));
  await switches.insert(
    switchRecord("s3", T, { from: { ...switchRecord("x", 0).to, instanceId: "i-to-s2" }, commandId: null }),
  );
  const seen: unknown[] = [];
  seen.push(await switches.findByCommand("a1", "cmd-s2"), await switches.findByCommand("a2", "cmd-s2"));
  seen.push(await switches.listByClient("acme", { since: 0, limit: 10 }));
  seen.push(await switches.listByClient("acme", { since: 0, instanceId: "i-to-s2", limit: 10 }));
  seen.push(await switches.listByClient("acme", { since: T - DAY, limit: 10 }));
  seen.push(await switches.listByClient("globex", { since: 0, limit: 10 }));
  seen.push(
    await switches.countForInstance("acme", "i-to-s2", 0),
    await switches.countForInstance("acme", "i-to-s2", T),
  );
  seen.push(await switches.countByTrigger(), await switches.countByTrigger(T - DAY));
  seen.push(await switches.countPerDay("acme", 0), await switches.countPerDay("globex", 0));
  return seen;
}

async function interruptionScenario({
  repositories: { agents, commands, interruptions, cleanups },
  addClient,
  rows,
}: OpenedStore) {
  await addClient("acme");
  await agents.insert(agent("a1", "acme"));
  const interruption = (
    id: string,
    detectedAt: number,
    overrides: Partial<Interruption> = {},
  ): Interruption => ({
    id,
    clientId: "acme",
    agentId: "a1",
    instanceId: "i-a1",
    poolId: "m5.large.us-east-1a",
    signal: "termination_notice",
    action: "terminate",
    actionAt: detectedAt + 120_000,
    detectedAt,
    receivedAt: detectedAt + 10,
    ...overrides,
  });
  await interruptions.insert(interruption("n1", T));
  await interruptions.insert(interruption("n2", T + H));
  await interruptions.insert(
    interruption("r1", T + 2 * H, { signal: "rebalance_recommendation", action: null, actionAt: null }),
  );
  await interruptions.insert(interruption("n3", T + 3 * H, { poolId: "m5.large.us-east-1b" }));
  await commands.insert(
    command("c-done", { state: "completed", deliveredAt: T + 20, completedAt: T + 90_000, success: true }),
  );
  await commands.insert(
    command("c-failed", {
      state: "failed",
      deliveredAt: T + H + 20,
      completedAt: T + H + 30,
      success: false,
    }),
  );
  await interruptions.recordResponse("n1", {
    action: "promote_replica",
    commandId: "c-done",
    replicaId: "r-1",
  });
  await interruptions.recordResponse("n2", {
    action: "switch_to_on_demand",
    commandId: "c-failed",
    replicaId: null,
  });
  await interruptions.recordResponse("r1", {
    action: "launch_replica",
    commandId: "c-none",
    replicaId: null,
  });
  const seen: unknown[] = [];
  seen.push(
    await interruptions.findLatest("acme", "i-a1", "termination_notice"),
    await interruptions.findLatest("acme", "i-a1", "rebalance_recommendation"),
    await interruptions.findLatest("globex", "i-a1", "termination_notice"),
  );
  seen.push(
    await interruptions.responseOf("n1"),
    await interruptions.responseOf("n3"),
    await interruptions.responseOf("x"),
  );
  seen.push(await interruptions.failoverTimings(T), await interruptions.failoverTimings(T + H));
  seen.push(
    await interruptions.poolsInterruptedSince(T),
    await interruptions.poolsInterruptedSince(T + 2 * H),
  );
  const report = {
    deletedSnapshotIds: ["snap-1", "snap-2"],
    deletedImageIds: ["ami-1"],
    failures: [{ resourceId: "snap-3", error: "InvalidSnapshot.NotFound" }],
    snapshotCutoff: T - 7 * DAY,
    imageCutoff: null,
  };
  await cleanups.insert("acme", "a1", { kind: "full", ...report }, T);
  await cleanups.insert(
    "acme",
    "a1",
    { kind: "snapshots", ...report, deletedImageIds: [], failures: [] },
    T + 1,
  );
  seen.push(
    await rows(
      "cleanup_logs",
      [
        "client_id",
        "agent_id",
        "kind",
        "deleted_snapshots",
        "deleted_images",
        "failed",
        "details",
        "executed_at",
      ],
      "id",
    ),
  );
  return seen;
}

async function savingsScenario({
  repositories: { agents, instances, switches, savings },
  addClient,
}: OpenedStore) {
  await addClient("acme");
  await agents.insert(agent("a1", "acme"));
  await instances.save(instance("i-1", "a1", { launchedAt: T - DAY }));
  await instances.save(
    instance("i-2", "a1", {
      role: "retired",
      state: "terminated",
      launchedAt: T - 3 * DAY,
      terminatedAt: T - DAY,
    }),
  );
  await instances.save(
    instance("i-3", "a1", {
      role: "retired",
      state: "terminated",
      launchedAt: T - 3 * DAY,
      terminatedAt: T - 2 * DAY,
    }),
  );
  // No agent (its agent was deleted): SQLite sorts it first; so must PostgreSQL.
  await instances.save(instance("i-orphan", null, { role: "retired", launchedAt: T - 2 * DAY }));
  await switches.insert(
    switchRecord("s1", T - DAY + H, {
      commandId: null,
      to: { ...switchRecord("x", 0).to, instanceId: "i-1" },
      timing: { ...switchRecord("x", T - DAY).timing, instanceReadyAt: null },
    }),
  );
  await switches.insert(
    switchRecord("s2", T - DAY + 2 * H, {
      commandId: null,
      to: { ...switchRecord("x", 0).to, instanceId: "i-1" },
    }),
  );
  const day = (date: string, cost: number, baseline: number) => ({
    date,
    runMs: 5_400_000,
    servedMs: 3_600_000,
    unpricedMs: 0,
    cost,
    baseline,
  });
  const [i1, i2, i3] = [
    instance("i-1", "a1"),
    instance("i-2", "a1", { terminatedAt: T - DAY }),
    instance("i-3", "a1", { terminatedAt: T - 2 * DAY }),
  ];
  await savings.replaceInstanceDays(
    i1,
    "2023-11-13",
    [day("2023-11-13", 0.5, 1), day("2023-11-14", 0.25, 1)],
    T,
  );
  // Replaced from a day on: the days before it stay.
  await savings.replaceInstanceDays(i1, "2023-11-14", [day("2023-11-14", 0.125, 0.5)], T + H);
  await savings.replaceInstanceDays(
    i2,
    "2023-10-31",
    [day("2023-10-31", 1, 2), day("2023-11-13", 0.25, 0.75)],
    T - DAY,
  );
  await savings.replaceInstanceDays(i3, "2023-11-12", [day("2023-11-12", 0.5, 0.5)], T - 3 * DAY);
  const seen: unknown[] = [];
  seen.push(await savings.pendingRollUps());
  const candidates = await savings.listAccountingCandidates(T - DAY / 2);
  seen.push(candidates.map((row) => [row.instance.id, row.accountedUntil]));
  seen.push(candidates.find((row) => row.instance.id === "i-1"));
  const workload = await savings.workloadOf("acme", "a1");
  seen.push(workload.map((row) => [row.instance.id, row.handoverAt]).sort());
  await savings.rollUp("acme", "2023-10-31");
  seen.push(await savings.pendingRollUps());
  seen.push(
    await savings.clientDays("acme", "2023-10-01", "2023-11-30"),
    await savings.clientDays("acme", "2023-11-14", "2023-11-14"),
  );
  seen.push(
    await savings.clientMonths("acme", "2023-10", "2023-11"),
    await savings.clientMonths("globex", "2023-01", "2023-12"),
  );
  // A later roll-up from a later day leaves the months before it alone.
  await savings.replaceInstanceDays(i1, "2023-11-14", [day("2023-11-14", 0.0625, 0.5)], T + 2 * H);
  await savings.rollUp("acme", "2023-11-14");
  seen.push(
    await savings.clientDays("acme", "2023-10-01", "2023-11-30"),
    await savings.clientMonths("acme", "2023-10", "2023-11"),
  );
  return seen;
}

const decision = (
  id: string,
  createdAt: number,
  overrides: Partial<DecisionRecord> = {},
): DecisionRecord => ({
  id,
  clientId: "acme",
  agentId: "a1",
  instanceId: "i-a1",
  origin: "optimizer",
  outcome: "dry_run",
  policy: "model",
  modelVersion: "spot-risk 1.2.0",
  currentMode: "spot",
  currentPoolId: "m5.large.us-east-1a",
  currentPrice: 0.03125,
  action: "switch_to_spot",
  targetPoolId: "m5.large.us-east-1b",
  proposedAction: "switch_to_spot",
  proposedPoolId: "m5.large.us-east-1b",
  allowed: true,
  blockedBy: [],
  riskScore: 0.125,
  expectedSavingsPerHour: 0.0625,
  expectedCostPerHour: 0.025,
  confidence: 0.75,
  reason: `because ${id}`,
  inputs: { placement: { poolId: "m5.large.us-east-1a" }, history: [1, 2] },
  scores: [
    {
      option: "m5.large.us-east-1b",
      current: false,
      price: 0.025,
      expectedPrice: 0.025,
      interruptionCost: 0,
      switchCost: 0.001,
      total: 0.026,
      monthlyRisk: 0.05,
      riseProbability: null,
      eligible: true,
      excludedBy: [],
    },
  ],
  commandId: null,
  durationMs: 1.5,
  createdAt,
  ...overrides,
});

async function decisionScenario({ repositories: { agents, commands, decisions }, addClient }: OpenedStore) {
  await addClient("acme");
  await agents.insert(agent("a1", "acme"));
  await agents.insert(agent("a2", "acme"));
  const now = T;
  await commands.insert(
    command("c-open", { createdAt: now - 2 * H, state: "delivered", deliveredAt: now - 2 * H }),
  );
  await decisions.insert(decision("d1", T - 2 * H, { origin: "decide", outcome: "recorded" }));
  // Same time as d1: the one inserted later is the newer.
  await decisions.insert(
    decision("d2", T - 2 * H, {
      origin: "decide",
      outcome: "recorded",
      allowed: false,
      blockedBy: ["cooldown"],
    }),
  );
  await decisions.insert(decision("d3", T - H, { outcome: "issued", commandId: "c-open" }));
  await decisions.insert(decision("d4", T, { agentId: "a2", policy: "rules", modelVersion: null }));
  const seen: unknown[] = [];
  seen.push(await decisions.listByClient("acme", { since: 0, limit: 10 }));
  seen.push((await decisions.listByClient("acme", { since: T - H, limit: 10 })).map((row) => row.id));
  seen.push(
    (await decisions.listByClient("acme", { since: 0, agentId: "a1", limit: 2 })).map((row) => row.id),
  );
  seen.push(await decisions.latestOfAgent("a1", "decide"), await decisions.latestOfAgent("a2", "decide"));
  seen.push(await decisions.countByOutcome(0), await decisions.countByOutcome(T - H / 2));
  // Switch commands: open in the last day (inserted above), done this week, done long ago, failed (does not
  // count), another type.
  await commands.insert(
    command("c-week", {
      createdAt: now - 3 * DAY,
      state: "completed",
      success: true,
      completedAt: now - 3 * DAY,
    }),
  );
  await commands.insert(
    command("c-old", {
      createdAt: now - 30 * DAY,
      state: "completed",
      success: true,
      completedAt: now - 30 * DAY,
    }),
  );
  await commands.insert(
    command("c-failed", { createdAt: now - H, state: "failed", success: false, completedAt: now - H }),
  );
  await commands.insert(
    command("c-other", { createdAt: now - H, action: { type: "terminate_instance", instanceId: "i-x" } }),
  );
  seen.push(await decisions.switchActivity("a1", now), await decisions.switchActivity("a1", now + 10 * DAY));
  seen.push(await decisions.switchActivity("a2", now));
  return seen;
}

async function modelAndPeerScenario({
  repositories: { agents, models, instancePeers },
  addClient,
}: OpenedStore) {
  await addClient("acme");
  await agents.insert(agent("a1", "acme"));
  await agents.insert(agent("a2", "acme"));
  const model = (id: string, uploadedAt: number): Omit<ModelRecord, "active" | "activatedAt"> => ({
    id,
    name: "spot-risk",
    version: `1.${id}`,
    sha256: `sha-${id}`,
    sizeBytes: 3,
    features: ["price", "hour"],
    trainedFrom: "2023-01-01",
    trainedTo: "2023-06-30",
    metrics: { regret: 0.5, weeks: [1, 2] },
    forecastWeight: 0.25,
    source: "upload",
    note: id === "m1" ? null : "second",
    uploadedAt,
  });
  await models.insert(model("m1", T), new Uint8Array([1, 2, 3]));
  // Same upload time: the one inserted later lists first.
  await models.insert(model("m2", T), new Uint8Array([4, 5, 6]));
  const seen: unknown[] = [];
  seen.push(await models.active(), await models.list(), await models.activationStack());
  await models.pushActivation("m1", T + 1, "bundled");
  await models.pushActivation("m2", T + 2, "activate");
  await models.pushActivation("m1", T + 3, "activate");
  seen.push(await models.active(), await models.activationStack());
  const stack = await models.activationStack();
  await models.popActivations([stack[0]?.activationId ?? 0, stack[1]?.activationId ?? 0], T + 4);
  await models.popActivations([], T + 5);
  seen.push(await models.active(), await models.activationStack(), await models.list());
  seen.push(await models.find("m2"), await models.find("nope"), await models.findBySha("sha-m1"));
  seen.push(await models.content("m2"), await models.content("nope"));

  const peer = (instanceId: string, agentId: string, updatedAt: number, address = "10.0.0.1") => ({
    clientId: "acme",
    instanceId,
    agentId,
    peerAddress: address,
    seenAt: null,
    updatedAt,
  });
  await instancePeers.save(peer("i-1", "a1", T));
  await instancePeers.save(peer("i-2", "a1", T + 5));
  await instancePeers.save(peer("i-0", "a1", T + 5));
  await instancePeers.save(peer("i-9", "a2", T));
  // The same instance again: its row moves, even to another agent's.
  await instancePeers.save({ ...peer("i-1", "a1", T + 9, "10.0.0.7"), seenAt: T + 8 });
  seen.push(await instancePeers.listByAgent("a1"), await instancePeers.listByAgent("a2"));
  await instancePeers.delete("acme", "i-2");
  await instancePeers.delete("acme", "i-nope");
  await instancePeers.save(peer("i-9", "a1", T + 10));
  seen.push(await instancePeers.listByAgent("a1"), await instancePeers.listByAgent("a2"));
  return seen;
}

describe("Kysely decision, switch, savings, model and peer repositories: the same answers as today's store, on SQLite and PostgreSQL", () => {
  describeParity("switches", switchScenario, (seen) => {
    expect((seen[2] as SwitchWithAgent[]).map((row) => row.id)).toEqual(["s3", "s2", "s1"]);
    expect((seen[3] as SwitchWithAgent[]).map((row) => row.id)).toEqual(["s3", "s2"]);
    expect(seen.slice(6, 8)).toEqual([1, 0]);
    expect(seen[8]).toEqual({ manual: 1, optimizer: 2 });
    expect(seen[10]).toEqual([
      { date: "2023-11-12", switches: 2 },
      { date: "2023-11-14", switches: 1 },
    ]);
  });

  describeParity("interruptions and cleanups", interruptionScenario, (seen) => {
    expect(seen[3]).toEqual({ action: "promote_replica", commandId: "c-done", replicaId: "r-1" });
    expect(seen[6]).toEqual([
      expect.objectContaining({
        interruptionId: "n1",
        pushedAt: T + 20,
        completedAt: T + 90_000,
        succeeded: true,
      }),
      expect.objectContaining({
        interruptionId: "n2",
        pushedAt: T + H + 20,
        completedAt: null,
        succeeded: false,
      }),
      expect.objectContaining({ interruptionId: "r1", pushedAt: null, completedAt: null, succeeded: null }),
      expect.objectContaining({ interruptionId: "n3", action: null, succeeded: null }),
    ]);
    expect(seen[8]).toEqual(["m5.large.us-east-1a", "m5.large.us-east-1b"]);
    expect((seen[10] as Array<{ kind: string }>).map((row) => row.kind)).toEqual(["full", "snapshots"]);
  });

  describeParity("savings", savingsScenario, (seen) => {
    expect(seen[0]).toEqual([{ clientId: "acme", fromDate: "2023-10-31" }]);
    expect(seen[1]).toEqual([
      ["i-orphan", null],
      ["i-3", T - 3 * DAY],
      ["i-1", T + H],
    ]);
    expect(seen[3]).toEqual([
      ["i-1", T - DAY + 2 * H - 100],
      ["i-2", null],
      ["i-3", null],
    ]);
    expect(seen[4]).toEqual([]);
    expect(seen[5]).toEqual([
      { period: "2023-10-31", cost: 1, baseline: 2, savings: 1, instances: 1, runHours: 1.5 },
      { period: "2023-11-12", cost: 0.5, baseline: 0.5, savings: 0, instances: 1, runHours: 1.5 },
      { period: "2023-11-13", cost: 0.75, baseline: 1.75, savings: 1, instances: 2, runHours: 3 },
      { period: "2023-11-14", cost: 0.125, baseline: 0.5, savings: 0.375, instances: 1, runHours: 1.5 },
    ]);
    expect(seen[7]).toEqual([
      { period: "2023-10", cost: 1, baseline: 2, savings: 1, instances: 1, runHours: 1.5 },
      { period: "2023-11", cost: 1.375, baseline: 2.75, savings: 1.375, instances: 3, runHours: 6 },
    ]);
    expect((seen[10] as Array<{ cost: number }>).map((row) => row.cost)).toEqual([1, 1.3125]);
  });

  describeParity("decisions", decisionScenario, (seen) => {
    expect((seen[0] as DecisionRecord[]).map((row) => row.id)).toEqual(["d4", "d3", "d2", "d1"]);
    expect(seen[2]).toEqual(["d3", "d2"]);
    expect(seen[3]).toMatchObject({ id: "d2", allowed: false, blockedBy: ["cooldown"] });
    expect(seen[5]).toEqual({ recorded: 2, issued: 1, dry_run: 1 });
    expect(seen[7]).toEqual({ lastDay: 1, lastWeek: 2, lastSwitchAt: T - 2 * H, inProgress: true });
    expect(seen[8]).toEqual({ lastDay: 0, lastWeek: 0, lastSwitchAt: T - 2 * H, inProgress: true });
    expect(seen[9]).toEqual({ lastDay: 0, lastWeek: 0, lastSwitchAt: null, inProgress: false });
  });

  describeParity("models and instance peers", modelAndPeerScenario, (seen) => {
    expect(seen[0]).toBeUndefined();
    expect((seen[1] as ModelRecord[]).map((row) => row.id)).toEqual(["m2", "m1"]);
    expect(seen[3]).toMatchObject({ id: "m1", active: true, activatedAt: T + 3 });
    expect(seen[5]).toMatchObject({ id: "m1", active: true, activatedAt: T + 3 });
    expect((seen[6] as unknown[]).length).toBe(1);
    expect(seen[11]).toEqual(new Uint8Array([4, 5, 6]));
    expect((seen[13] as Array<{ instanceId: string }>).map((row) => row.instanceId)).toEqual([
      "i-1",
      "i-0",
      "i-2",
    ]);
    expect((seen[15] as Array<{ instanceId: string }>).map((row) => row.instanceId)).toEqual([
      "i-9",
      "i-1",
      "i-0",
    ]);
    expect(seen[16]).toEqual([]);
  });
});
