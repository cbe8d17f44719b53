import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CrashAgent } from "../support/crash-agent.js";
import { createClient } from "../support/fixtures.js";
import { freePort } from "../support/free-port.js";
import { rest } from "../support/rest.js";
import { type ServerProcess, startServerProcess } from "../support/server-process.js";

const ADMIN_TOKEN = "crash-test-admin-token-0123456789";
const AGENTS = 6;
const ISSUERS = 2;
/** Pause of each issuer between two requests: about 30 commands per crash, within the switch history's 100. */
const ISSUE_PAUSE_MS = 100;
const CRASHES = 2;
/** Clients created at once, again and again: concurrent transactions, so SQLite's commits are shared. */
const BURST = 8;
const DELIVERABLE_STATES = new Set(["pending", "delivered"]);
const FINAL_STATES = new Set(["completed", "failed", "cancelled"]);

interface StoredCommand {
  id: string;
  instanceId: string | null;
  state: string;
  success: boolean | null;
}

/**
 * SIGKILL while force-switches arrive over REST, agents execute them (switch reports and results on their
 * streams) and heartbeat every 50 ms; then a new process on the same data directory. What the server
 * acknowledged (a 201, a receipt) must be there, and each command must reach the agent of its instance again
 * exactly when its acknowledgement was not yet stored, once, and be executed once. A switch issued for an
 * instance the workload has left meanwhile (the issuers do not wait for one switch before the next) is cancelled,
 * or, when its agent had already acknowledged it, fails without a second move.
 */
describe("crash safety: SIGKILL under load, restart on the same data directory", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "spot-crash-"));
  const servers: ServerProcess[] = [];
  const agents: CrashAgent[] = [];
  afterAll(() => {
    for (const agent of agents) agent.disconnect();
    for (const server of servers) server.killNow();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("keeps every acknowledged write and delivers each command exactly once per acknowledgement", async () => {
    const grpcPort = await freePort();
    const start = async () => {
      const server = await startServerProcess({
        dataDir,
        env: { SPOT_ADMIN_TOKEN: ADMIN_TOKEN },
        args: ["--grpc-addr", `127.0.0.1:${grpcPort}`],
      });
      servers.push(server);
      return server;
    };
    let server = await start();
    const { token, clientId } = await createClient(server.grpcAddress, ADMIN_TOKEN, "Acme");
    // The last agent is slow: it acknowledges and executes 2 s after delivery, so every crash finds commands
    // delivered but not acknowledged.
    for (let index = 0; index < AGENTS; index++) {
      const slow = index === AGENTS - 1;
      agents.push(new CrashAgent(`crash-${index}`, token, slow ? 2_000 : 0, slow ? 2_000 : 20));
    }
    await Promise.all(agents.map((agent) => agent.connect(server.grpcAddress, 0)));

    /** Commands the server answered 201 for: acknowledged writes. */
    const acknowledged = new Map<string, CrashAgent>();
    const unexpected: number[] = [];
    const storedCommands = async (epochServer: ServerProcess) => {
      const all = new Map<string, StoredCommand>();
      for (const agent of agents) {
        const listed = await rest(
          epochServer.httpUrl,
          "GET",
          `/api/client/agents/${agent.agentId}/commands?limit=500`,
          {
            token,
          },
        );
        expect(listed.status).toBe(200);
        for (const command of listed.body as StoredCommand[]) all.set(command.id, command);
      }
      return all;
    };

    /** Clients the server answered 201 for, created in bursts of concurrent requests. */
    const createdClients = new Set<string>();
    let burstNumber = 0;

    for (let epoch = 1; epoch <= CRASHES; epoch++) {
      // Load: issuers send force-switches back to back; agents execute, report and heartbeat; a burst writer
      // creates clients in concurrent groups, whose transactions share commits (group commit on SQLite).
      let running = true;
      const burster = async () => {
        while (running) {
          const burst = burstNumber++;
          await Promise.all(
            Array.from({ length: BURST }, async (_, index) => {
              try {
                const response = await rest(server.httpUrl, "POST", "/api/admin/clients/create", {
                  token: ADMIN_TOKEN,
                  body: { name: `burst-${burst}-${index}` },
                });
                if (response.status === 201) createdClients.add(response.body.client.id);
                else unexpected.push(response.status);
              } catch {
                // In flight when the server died: not acknowledged.
              }
            }),
          );
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      };
      const bursting = burster();
      const createdBefore = createdClients.size;
      let turn = 0;
      const before = acknowledged.size;
      const issuer = async () => {
        while (running) {
          const agent = agents[turn % agents.length] as CrashAgent;
          // Every third command of an agent sends it to on-demand, the others to another zone's pool.
          const round = Math.floor(turn++ / agents.length);
          const body =
            round % 3 === 2
              ? { target: "ondemand" }
              : { target: "pool", pool_id: `m5.large.${agent.otherZone(round)}` };
          try {
            const response = await rest(
              server.httpUrl,
              "POST",
              `/api/client/instances/${agent.instanceId}/force-switch`,
              { token, body },
            );
            if (response.status === 201) acknowledged.set(response.body.command_id, agent);
            // 409 and 404: the server has not yet heard of the agent's latest switch; nothing was written.
            else if (response.status !== 404 && response.status !== 409) unexpected.push(response.status);
          } catch {
            // The server died with this request in flight: its outcome is unknown, and checked below anyway.
          }
          await new Promise((resolve) => setTimeout(resolve, ISSUE_PAUSE_MS));
        }
      };
      const issuing = Array.from({ length: ISSUERS }, issuer);
      await new Promise((resolve) => setTimeout(resolve, 1_200 + epoch * 300));
      server.kill("SIGKILL");
      running = false;
      expect(await server.exited).toBe("SIGKILL");
      await Promise.all([...issuing, bursting]);
      for (const agent of agents) agent.disconnect();
      expect(unexpected).toEqual([]);
      expect(acknowledged.size).toBeGreaterThan(before);
      expect(createdClients.size).toBeGreaterThan(createdBefore);

      server = await start();
      // 1. Every acknowledged write is there, before any agent is back.
      const listedClients = await rest(server.httpUrl, "GET", "/api/admin/clients", { token: ADMIN_TOKEN });
      const clientIds = new Set((listedClients.body as Array<{ id: string }>).map((client) => client.id));
      for (const id of createdClients) expect(clientIds.has(id), `client ${id}`).toBe(true);
      const stored = await storedCommands(server);
      for (const commandId of acknowledged.keys()) expect(stored.has(commandId), commandId).toBe(true);
      for (const agent of agents) {
        for (const [commandId, success] of agent.confirmedResults) {
          expect(stored.get(commandId)?.state, `result of ${commandId}`).toBe(
            success ? "completed" : "failed",
          );
        }
      }
      const history = await rest(server.httpUrl, "GET", `/api/client/${clientId}/switch-history?days=1`, {
        token,
      });
      const switches = history.body as Array<{ commandId: string | null; newInstanceId: string }>;
      for (const agent of agents) {
        for (const [commandId, newInstanceId] of agent.confirmedSwitches) {
          expect(
            switches.some(
              (record) => record.commandId === commandId && record.newInstanceId === newInstanceId,
            ),
            `switch report of ${commandId}`,
          ).toBe(true);
        }
      }
      // Commands whose acknowledgement the store holds must not come again; open ones for the instance an agent
      // comes back as must, once (those of an instance it has left are settled or cancelled by its hello).
      const reconnectAs = new Set(agents.map((agent) => agent.instanceId));
      const open = new Set(
        [...stored.values()]
          .filter((command) => DELIVERABLE_STATES.has(command.state))
          .filter((command) => command.instanceId !== null && reconnectAs.has(command.instanceId))
          .map((c) => c.id),
      );

      expect(open.size).toBeGreaterThan(0);

      // 2. The agents come back, send what was never confirmed, and get what is still open.
      await Promise.all(agents.map((agent) => agent.connect(server.grpcAddress, epoch)));
      await expect
        .poll(
          async () => {
            const now = await storedCommands(server);
            const unfinished = [...now.values()].filter((command) => !FINAL_STATES.has(command.state)).length;
            return unfinished + agents.reduce((sum, agent) => sum + agent.pendingReports, 0);
          },
          { timeout: 15_000, interval: 200 },
        )
        .toBe(0);
      for (const agent of agents) {
        for (const [commandId, epochs] of agent.deliveries) {
          const afterRestart = epochs.filter((delivered) => delivered === epoch).length;
          expect(afterRestart, `deliveries of ${commandId} after restart ${epoch}`).toBe(
            open.has(commandId) ? 1 : 0,
          );
        }
      }
      // Every open command reached its agent (none stays behind in the store).
      for (const commandId of open) {
        expect(agents.some((agent) => agent.deliveries.get(commandId)?.includes(epoch))).toBe(true);
      }
    }

    // 3. Over both crashes: every stored command ended; each completed one was executed exactly once, with one
    // switch recorded; a cancelled one was never executed; a failed one was executed and moved nothing.
    const final = await storedCommands(server);
    expect(final.size).toBeGreaterThanOrEqual(acknowledged.size);
    const executions = agents.flatMap((agent) => [...agent.executed]);
    expect(new Set(executions).size).toBe(executions.length);
    const executed = new Set(executions);
    const inState = (state: string) =>
      new Set([...final.values()].filter((command) => command.state === state).map((command) => command.id));
    const completed = inState("completed");
    expect(completed.size).toBeGreaterThan(0);
    expect([...final.values()].filter((command) => !FINAL_STATES.has(command.state))).toEqual([]);
    for (const id of completed) expect(executed.has(id), `completed ${id}`).toBe(true);
    for (const id of inState("failed")) expect(executed.has(id), `failed ${id}`).toBe(true);
    for (const id of inState("cancelled")) expect(executed.has(id), `cancelled ${id}`).toBe(false);
    const history = await rest(server.httpUrl, "GET", `/api/client/${clientId}/switch-history?days=1`, {
      token,
    });
    const recorded = (history.body as Array<{ commandId: string | null }>).map((record) => record.commandId);
    expect(recorded).toHaveLength(completed.size);
    expect(new Set(recorded)).toEqual(completed);
    for (const agent of agents) expect(agent.rejections).toEqual([]);
    server.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  }, 90_000);
});
