import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import {
  type LegacyInstance,
  legacyInstance,
  v4Heartbeat,
  v4Register,
  v4ShutdownHeartbeat,
  v4SwitchReport,
} from "../support/legacy-agent-payloads.js";
import { ManualClock } from "../support/manual-clock.js";
import { restFrom } from "../support/rest-from.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/**
 * Which instance's agent a poll comes from, when the original agent does not say: its address, as registered.
 * Two generations of one workload poll side by side (auto-terminate off keeps the old instance and its agent).
 */
describe("legacy polls placed by the address of the instance's agent", () => {
  const clock = new ManualClock(Date.UTC(2025, 5, 2, 8));
  let server: TestApp;
  let clientId: string;
  let token: string;

  beforeAll(async () => {
    server = await startTestApp({ clock, jobDriver: "off" });
    ({ clientId, token } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
  });
  afterAll(async () => server.dispose());

  const from = (address: string) => ({
    post: (path: string, body: unknown) => restFrom(address, server.httpUrl, "POST", path, { token, body }),
    get: (path: string) => restFrom(address, server.httpUrl, "GET", path, { token }),
  });
  const store = () => server.app.store;
  const offlineNotices = (agentId: string) =>
    store()
      .notifications.listByClient(clientId, { limit: 500, unreadOnly: false })
      .filter((notice) => notice.agentId === agentId && notice.type === "agent_offline");

  /**
   * The first generation registers from `oldAddress` and switches (keeping its instance) to the second, which
   * registers from `newAddress`; then a switch of the second is queued.
   */
  async function twoGenerations(name: string, oldAddress: string, newAddress: string) {
    const old = legacyInstance();
    const next = legacyInstance({ az: "us-east-1b" });
    const first = await from(oldAddress).post("/api/agents/register", v4Register(token, name, old));
    expect(first.status).toBe(200);
    const agentId = first.body.agent_id as string;
    await from(oldAddress).post(`/api/client/agents/${agentId}/config`, { autoTerminateEnabled: false });
    const report = v4SwitchReport(old, next, { now: clock.now(), priority: 75, oldTerminated: false });
    expect((await from(oldAddress).post(`/api/agents/${agentId}/switch-report`, report)).status).toBe(200);
    const second = await from(newAddress).post("/api/agents/register", v4Register(token, name, next));
    expect(second.body.agent_id).toBe(agentId);
    const queued = await from(newAddress).post(`/api/client/instances/${next.instanceId}/force-switch`, {
      target: "pool",
      pool_id: "m5.large.us-east-1c",
    });
    expect(queued.status).toBe(201);
    return { agentId, old, next, commandId: queued.body.command_id as string };
  }

  const poll = (address: string, agentId: string) =>
    from(address).get(`/api/agents/${agentId}/pending-commands`);
  const heartbeat = (address: string, agentId: string, instance: LegacyInstance) =>
    from(address).post(`/api/agents/${agentId}/heartbeat`, v4Heartbeat(instance));

  it("hands the new primary's command to its own agent only, and ignores the old agent's goodbye", async () => {
    const { agentId, next, commandId } = await twoGenerations("placed-1", "127.0.0.2", "127.0.0.3");
    expect((await poll("127.0.0.2", agentId)).body).toEqual([]);
    const answer = await poll("127.0.0.3", agentId);
    expect(answer.body).toEqual([expect.objectContaining({ id: commandId, instance_id: next.instanceId })]);

    // The old agent's outcome of a command issued for another instance is refused, with nothing recorded.
    const stray = await from("127.0.0.2").post(`/api/agents/${agentId}/commands/${commandId}/executed`, {
      success: false,
      message: "Switch failed",
    });
    expect(stray.status).toBe(409);
    expect(store().commands.find(clientId, commandId)).toMatchObject({ state: "delivered", success: null });

    // The old agent shuts down (its goodbye names no instance): the workload's agent stays online.
    expect(
      (await from("127.0.0.2").post(`/api/agents/${agentId}/heartbeat`, v4ShutdownHeartbeat)).status,
    ).toBe(200);
    expect(store().agents.findById(clientId, agentId)?.status).toBe("online");
    expect(offlineNotices(agentId)).toEqual([]);
    // The primary's goodbye does take it offline.
    await from("127.0.0.3").post(`/api/agents/${agentId}/heartbeat`, v4ShutdownHeartbeat);
    expect(store().agents.findById(clientId, agentId)?.status).toBe("offline");
  });

  it("holds commands while it cannot tell the two apart and the old agent is still heard", async () => {
    // Both generations behind one address (a NAT gateway, say).
    const { agentId, old, commandId } = await twoGenerations("shared-1", "127.0.0.4", "127.0.0.4");
    await heartbeat("127.0.0.4", agentId, old); // the old agent names its instance: it still runs
    expect((await poll("127.0.0.4", agentId)).body).toEqual([]);
    expect(store().commands.find(clientId, commandId)).toMatchObject({ state: "pending", deliveryCount: 0 });
    // A goodbye that cannot be placed is not taken as the primary's while the old agent is heard.
    await from("127.0.0.4").post(`/api/agents/${agentId}/heartbeat`, v4ShutdownHeartbeat);
    expect(store().agents.findById(clientId, agentId)?.status).toBe("online");

    // Once the old agent has been silent for the liveness deadline, the primary's polls take it.
    clock.advance(121_000);
    const answer = await poll("127.0.0.4", agentId);
    expect(answer.body.map((command: { id: string }) => command.id)).toEqual([commandId]);
  });

  it("knows the old agent again by the instance its heartbeat names, wherever it calls from", async () => {
    const { agentId, old, commandId } = await twoGenerations("moved-1", "127.0.0.5", "127.0.0.6");
    // The old instance's agent now calls from another address (a new NAT route): its heartbeat says who it is.
    await heartbeat("127.0.0.7", agentId, old);
    expect((await poll("127.0.0.7", agentId)).body).toEqual([]);
    expect((await poll("127.0.0.6", agentId)).body.map((command: { id: string }) => command.id)).toEqual([
      commandId,
    ]);
  });
});
