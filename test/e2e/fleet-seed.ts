import type { Hello } from "../../gen/spot/v1/agent_service.js";
import { InstanceMode } from "../../gen/spot/v1/common.js";
import { createClient } from "../support/fixtures.js";
import { rest } from "../support/rest.js";
import { eventually, getOk, reportPrices, reportSwitch } from "../support/rest-seed.js";
import type { ShiftedClock } from "../support/shifted-clock.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import type { TestApp } from "../support/test-app.js";

const HOUR = 3_600_000;
export const HISTORY_HOURS = 48;

export interface SeededAgent {
  hello: Hello;
  agent: TestAgent;
  agentId: string;
  /** The instance it runs now (after a seeded switch, not the one of its hello). */
  instanceId: string;
}

export interface SeededFleet {
  acme: { clientId: string; token: string };
  globex: { clientId: string; token: string };
  agents: Record<"web" | "api" | "batch" | "worker" | "globex", SeededAgent>;
}

/** Spot prices of the us-east-1 pools at hour `hour` of the seeded history: smooth, deterministic moves. */
function pricesAt(hour: number) {
  const wave = (period: number, amplitude: number) => amplitude * Math.sin((hour / period) * 2 * Math.PI);
  const round = (price: number) => Math.round(price * 10_000) / 10_000;
  return [
    { instanceType: "m5.large", availabilityZone: "us-east-1a", price: round(0.036 + wave(24, 0.004)) },
    { instanceType: "m5.large", availabilityZone: "us-east-1b", price: round(0.031 + wave(17, 0.003)) },
    { instanceType: "m5.large", availabilityZone: "us-east-1c", price: round(0.041 + wave(30, 0.002)) },
    { instanceType: "c5.large", availabilityZone: "us-east-1a", price: round(0.033 + wave(20, 0.003)) },
    { instanceType: "c5.large", availabilityZone: "us-east-1b", price: round(0.029 + wave(13, 0.002)) },
  ];
}

const ON_DEMAND: Record<string, number> = { "m5.large": 0.096, "c5.large": 0.085 };

/** Waits until the server has stored `count` pricing reports of the agent (its stream is read in order). */
async function reportsStored(server: TestApp, token: string, agentId: string, count: number) {
  await eventually(
    () => getOk(server.httpUrl, `/api/client/pricing-history?days=3&agent_id=${agentId}`, token),
    (history) => history.data_points >= count,
    `${count} pricing reports of ${agentId}`,
  );
}

async function connect(server: TestApp, token: string, hello: Hello): Promise<SeededAgent> {
  const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
  return { hello, agent, agentId: welcome.agentId, instanceId: hello.instanceId };
}

/**
 * Two clients and their agents with two days of price history, made through the real gRPC and REST APIs on a
 * clock that starts two days back and catches up with the system clock: web-1 switched pools a day ago,
 * worker-7 went offline two hours ago, api-1 is carrying out a forced switch.
 */
export async function seedFleet(server: TestApp, clock: ShiftedClock): Promise<SeededFleet> {
  const acme = await createClient(server.grpcAddress, server.adminToken, "Acme Analytics");
  const globex = await createClient(server.grpcAddress, server.adminToken, "Globex");
  const spot = InstanceMode.INSTANCE_MODE_SPOT;
  const agents = {
    web: await connect(server, acme.token, helloFor("web-1", { availabilityZone: "us-east-1a", mode: spot })),
    api: await connect(server, acme.token, helloFor("api-1", { availabilityZone: "us-east-1b", mode: spot })),
    batch: await connect(
      server,
      acme.token,
      helloFor("batch-1", { instanceType: "c5.large", mode: InstanceMode.INSTANCE_MODE_ON_DEMAND }),
    ),
    worker: await connect(
      server,
      acme.token,
      helloFor("worker-7", { availabilityZone: "us-east-1c", mode: spot }),
    ),
    globex: await connect(server, globex.token, helloFor("globex-secret-1", { mode: spot })),
  };
  for (let hour = 0; hour <= HISTORY_HOURS; hour++) {
    const at = clock.now();
    for (const seeded of Object.values(agents)) {
      if (seeded === agents.worker && hour > HISTORY_HOURS - 2) continue;
      reportPrices(seeded.agent, pricesAt(hour), {
        onDemandPrice: ON_DEMAND[seeded.hello.instanceType],
        collectedAt: new Date(at),
      });
    }
    if (hour === HISTORY_HOURS - 2) {
      // Let the server read worker-7's stream before it drops, so it goes offline at this hour.
      await reportsStored(server, acme.token, agents.worker.agentId, hour + 1);
      agents.worker.agent.close();
      await eventually(
        () => getOk(server.httpUrl, `/api/client/${acme.clientId}/agents`, acme.token),
        (list: Array<{ id: string; status: string }>) =>
          list.find((agent) => agent.id === agents.worker.agentId)?.status === "offline",
        "worker-7 offline",
      );
    }
    if (hour === HISTORY_HOURS / 2) {
      await reportsStored(server, acme.token, agents.web.agentId, hour + 1);
      agents.web.instanceId = reportSwitch(agents.web.agent, agents.web.hello, {
        toZone: "us-east-1b",
        oldTerminated: true,
        newSpot: pricesAt(hour)[1]?.price,
        at,
      });
      await eventually(
        () => getOk(server.httpUrl, `/api/client/${acme.clientId}/agents`, acme.token),
        (list: Array<{ id: string; instanceId: string }>) =>
          list.find((agent) => agent.id === agents.web.agentId)?.instanceId === agents.web.instanceId,
        "web-1's switch",
      );
      // The new instance's agent takes over: what is issued for web-1 from now on goes to its stream.
      agents.web.agent.close();
      agents.web = await connect(server, acme.token, {
        ...agents.web.hello,
        instanceId: agents.web.instanceId,
        availabilityZone: "us-east-1b",
      });
    }
    if (hour < HISTORY_HOURS) clock.advance(HOUR);
  }
  // The last hour of history is now: from here on the clock is the system clock.
  const get = (path: string) => getOk(server.httpUrl, path, acme.token);
  // Reports are stored in the order sent: once web-1's last one is in, the history before it is too.
  await eventually(
    () =>
      rest(server.httpUrl, "GET", `/api/client/instances/${agents.web.instanceId}/price-history?days=3`, {
        token: acme.token,
      }),
    (answer) => answer.status === 200 && answer.body.data.length >= HISTORY_HOURS,
    "two days of prices",
  );
  // A forced switch that api-1 has acknowledged and is carrying out.
  const forced = await rest(
    server.httpUrl,
    "POST",
    `/api/client/instances/${agents.api.instanceId}/force-switch`,
    {
      token: acme.token,
      body: { target: "pool", pool_id: "m5.large.us-east-1a" },
    },
  );
  const command = await agents.api.agent.next("command");
  agents.api.agent.ack(command.id);
  await eventually(
    () => get(`/api/client/commands/${forced.body.command_id}`),
    (answer) => answer.state === "acknowledged",
    "the forced switch to be acknowledged",
  );
  // A decision for web-1 with its reasons, as the optimizer or A12 records them.
  const decided = await rest(server.httpUrl, "POST", `/api/agents/${agents.web.agentId}/decide`, {
    token: acme.token,
    body: {},
  });
  if (decided.status !== 200) throw new Error(`decide for web-1: HTTP ${decided.status}`);
  // Savings per day and month come from a savings job, where the control plane has one: account the history.
  const jobs = await rest(server.httpUrl, "GET", "/api/admin/jobs", { token: server.adminToken });
  if (jobs.status === 200 && jobs.body?.jobs?.some((job: { name: string }) => job.name === "savings")) {
    await rest(server.httpUrl, "POST", "/api/admin/jobs/savings/run", { token: server.adminToken });
  }
  return { acme, globex, agents };
}
