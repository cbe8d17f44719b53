import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import {
  legacyClient,
  legacyInstance,
  v4Heartbeat,
  v4ShutdownHeartbeat,
} from "../support/legacy-agent-payloads.js";
import { ManualClock } from "../support/manual-clock.js";
import { rest } from "../support/rest.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** A polling agent is online by its heartbeats, with the same deadline and sweeps as a stream. Time is moved. */
describe("liveness of polling agents", () => {
  const clock = new ManualClock();
  let server: TestApp;
  let clientId: string;
  let token: string;
  let api: ReturnType<typeof legacyClient>;

  beforeAll(async () => {
    server = await startTestApp({ clock });
    ({ clientId, token } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
    api = legacyClient(server.httpUrl, token);
  });
  afterAll(async () => server.dispose());

  /** Moves the clock; the jobs it fires (the liveness sweep every 5 s) finish before the test looks. */
  const advance = async (ms: number) => {
    clock.advance(ms);
    await server.app.jobs.idle();
  };
  const agentRow = async (agentId: string) => await server.app.store.agents.findById(clientId, agentId);
  const events = async (agentId: string, type: string) =>
    (await server.app.store.events.listRecent({ limit: 500 })).filter(
      (event) => event.type === type && event.agentId === agentId,
    ).length;

  it("stays online while heartbeats arrive within the deadline, goes offline once, comes back by heartbeat", async () => {
    const instance = legacyInstance();
    const agentId = await api.register("poller-1", instance);
    for (let beat = 0; beat < 4; beat++) {
      await advance(100_000); // inside the 120 s deadline
      expect((await api.post(`/api/agents/${agentId}/heartbeat`, v4Heartbeat(instance))).status).toBe(200);
    }
    await advance(1_000);
    // The last-seen batch was due: on PostgreSQL its write is a round trip the jobs do not wait for.
    await expect
      .poll(() => agentRow(agentId))
      .toMatchObject({ status: "online", lastSeenAt: clock.now() - 1_000 });

    const lastBeat = clock.now() - 1_000;
    await advance(125_000); // silence past the deadline: the sweep marks it offline
    expect((await agentRow(agentId))?.status).toBe("offline");
    await advance(60_000);
    expect(await events(agentId, "agent_offline")).toBe(1);
    const offline = (await server.app.store.events.listRecent({ limit: 500 })).find(
      (event) => event.type === "agent_offline" && event.agentId === agentId,
    );
    expect(offline?.metadata).toEqual({
      reason: "no message within the liveness deadline",
      lastMessageAt: lastBeat,
      deadlineSeconds: 120,
    });

    expect((await api.post(`/api/agents/${agentId}/heartbeat`, v4Heartbeat(instance))).status).toBe(200);
    expect((await agentRow(agentId))?.status).toBe("online");
    expect(await events(agentId, "agent_online")).toBe(1);
    await advance(1_000);
    await expect.poll(async () => (await agentRow(agentId))?.lastSeenAt).toBe(clock.now() - 1_000);
    await advance(60_000);
    expect((await agentRow(agentId))?.status).toBe("online");
  });

  it("counts a poll for commands as a sign of life too", async () => {
    const agentId = await api.register("poller-2", legacyInstance());
    await advance(100_000);
    expect((await api.get(`/api/agents/${agentId}/pending-commands`)).status).toBe(200);
    await advance(100_000);
    expect((await agentRow(agentId))?.status).toBe("online");
  });

  it("goes offline at once on the agent's shutdown heartbeat", async () => {
    const agentId = await api.register("poller-3", legacyInstance());
    const answer = await api.post(`/api/agents/${agentId}/heartbeat`, v4ShutdownHeartbeat);
    expect(answer).toEqual({ status: 200, body: { success: true } });
    expect((await agentRow(agentId))?.status).toBe("offline");
    await advance(200_000);
    expect(await events(agentId, "agent_offline")).toBe(1);
  });

  it("keeps a deleted agent deleted whatever it sends", async () => {
    const instance = legacyInstance();
    const agentId = await api.register("poller-4", instance);
    const deleted = await rest(server.httpUrl, "DELETE", `/api/client/agents/${agentId}`, { token });
    expect(deleted.status).toBe(200);
    for (const status of ["online", "offline", "disabled"]) {
      const answer = await api.post(`/api/agents/${agentId}/heartbeat`, v4Heartbeat(instance, status));
      expect(answer.status).toBe(404);
    }
    await advance(200_000);
    expect(await agentRow(agentId)).toMatchObject({ status: "deleted" });
    expect(await events(agentId, "agent_online")).toBe(0);
  });
});
