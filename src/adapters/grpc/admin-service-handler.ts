import type { AdminServiceServer, Client, Job } from "../../../gen/spot/v1/admin_service.js";
import { InstanceMode } from "../../../gen/spot/v1/common.js";
import type { AgentStatus } from "../../core/agents/agent.js";
import type { Authenticator } from "../../core/auth/authenticator.js";
import type { ClientOverview } from "../../core/clients/client.js";
import type { ClientService } from "../../core/clients/client-service.js";
import { invalidArgument } from "../../core/errors/app-error.js";
import type { ClientGrowthService } from "../../core/growth/client-growth-service.js";
import type { InstanceState } from "../../core/instances/instance.js";
import type { JobControl, JobStatus } from "../../core/jobs/job-status.js";
import type { Logger } from "../../core/logging/logger.js";
import type { FailoverService } from "../../core/replicas/failover-service.js";
import type { LatencyHistogram } from "../../core/replicas/failover-stats.js";
import type { AdminReportService } from "../../core/reports/admin-report-service.js";
import type { SessionControl } from "../../core/sessions/session-control.js";
import { engineStatusToProto, type ModelHandlerDeps, modelHandlers } from "./admin-model-handlers.js";
import type { DecodedServer } from "./decoded-server.js";
import { configToProto, modeFromProto, modeToProto, timeToProto } from "./proto-convert.js";
import { adminUnary } from "./unary.js";

export interface AdminHandlerDeps extends ModelHandlerDeps {
  authenticator: Authenticator;
  clients: ClientService;
  reports: AdminReportService;
  growth: ClientGrowthService;
  jobs: JobControl;
  failover: FailoverService;
  sessions: SessionControl;
  logger: Logger;
  version: string;
}

const AGENT_STATUSES: readonly AgentStatus[] = ["online", "offline", "deleted"];
const INSTANCE_STATES: readonly InstanceState[] = ["running", "terminated", "unmanaged"];

function clientToProto(client: ClientOverview): Client {
  return {
    id: client.id,
    name: client.name,
    email: client.email,
    active: client.active,
    createdAt: timeToProto(client.createdAt),
    agentsTotal: client.agentsTotal,
    agentsOnline: client.agentsOnline,
    activeInstances: client.activeInstances,
    totalSavings: client.totalSavings,
    lastSeenAt: timeToProto(client.lastSeenAt),
  };
}

function jobToProto(job: JobStatus): Job {
  const run = job.lastRun;
  return {
    name: job.name,
    description: job.description,
    schedule: job.schedule ?? "",
    running: job.running,
    nextRunAt: timeToProto(job.nextRunAt),
    lastRun: run
      ? {
          trigger: run.trigger,
          startedAt: timeToProto(run.startedAt),
          finishedAt: timeToProto(run.finishedAt),
          durationMs: run.durationMs,
          outcome: run.outcome,
          error: run.error ?? "",
          summary: { ...run.summary },
        }
      : undefined,
    lastSuccessAt: timeToProto(job.lastSuccessAt),
    runs: job.runs,
    failures: job.failures,
    ranBy: job.ranBy ?? "",
  };
}

function histogramToProto(histogram: LatencyHistogram) {
  return {
    buckets: histogram.buckets,
    count: histogram.count,
    p50Seconds: histogram.p50Seconds ?? undefined,
    p99Seconds: histogram.p99Seconds ?? undefined,
    maxSeconds: histogram.maxSeconds ?? undefined,
  };
}

/** A limit of 0 means the default; otherwise 1..max. */
function limitOf(value: number, fallback: number, max: number): number {
  if (value === 0) return fallback;
  if (value < 1 || value > max) throw invalidArgument(`limit must be from 1 to ${max}`);
  return value;
}

/** spot.v1.AdminService: operator calls, admin token required. */
export function createAdminServiceHandler(deps: AdminHandlerDeps): DecodedServer<AdminServiceServer> {
  const { authenticator, clients, reports, growth, jobs, sessions, logger } = deps;
  const admin = <Req, Res>(rpc: string, run: (request: Req) => Promise<Res>) =>
    adminUnary<Req, Res>(authenticator, logger, `AdminService/${rpc}`, run);

  return {
    createClient: admin("CreateClient", async (request) => {
      const { client, token } = await clients.create({ name: request.name, email: request.email || null });
      return { client: clientToProto(await clients.get(client.id)), token };
    }),
    listClients: admin("ListClients", async () => ({ clients: (await clients.list()).map(clientToProto) })),
    deleteClient: admin("DeleteClient", async (request) => {
      await clients.delete(request.clientId);
      return {};
    }),
    setClientActive: admin("SetClientActive", async (request) => ({
      client: clientToProto(await clients.setActive(request.clientId, request.active)),
    })),
    regenerateClientToken: admin("RegenerateClientToken", async (request) => ({
      token: await clients.regenerateToken(request.clientId),
    })),
    getClientToken: admin("GetClientToken", async (request) => {
      const info = await clients.tokenInfo(request.clientId);
      return {
        clientName: info.clientName,
        tokenPrefix: info.tokenPrefix,
        issuedAt: timeToProto(info.issuedAt),
        lastUsedAt: timeToProto(info.lastUsedAt),
      };
    }),
    getStats: admin("GetStats", () => reports.stats()),
    getClientGrowth: admin("GetClientGrowth", async (request) => ({
      points: await growth.history(request.days || 30),
    })),
    listAgents: admin("ListAgents", async (request) => {
      const status = request.status ? (request.status as AgentStatus) : undefined;
      if (status && !AGENT_STATUSES.includes(status)) {
        throw invalidArgument(`status must be one of ${AGENT_STATUSES.join(", ")}`);
      }
      const { agents, total } = await reports.agents({ status, limit: limitOf(request.limit, 500, 500) });
      return {
        total,
        agents: agents.map((agent) => ({
          id: agent.id,
          clientId: agent.clientId,
          clientName: agent.clientName,
          logicalAgentId: agent.logicalAgentId,
          status: agent.status,
          connected: sessions.isConnected(agent.id),
          instanceId: agent.instanceId,
          instanceType: agent.instanceType,
          region: agent.region,
          availabilityZone: agent.availabilityZone,
          mode: modeToProto(agent.mode),
          poolId: agent.poolId ?? "",
          agentVersion: agent.agentVersion,
          lastSeenAt: timeToProto(agent.lastSeenAt),
          lastCleanupAt: timeToProto(agent.lastCleanupAt),
          config: configToProto(agent.config),
        })),
      };
    }),
    listInstances: admin("ListInstances", async (request) => {
      const state = request.state ? (request.state as InstanceState) : undefined;
      if (state && !INSTANCE_STATES.includes(state)) {
        throw invalidArgument(`state must be one of ${INSTANCE_STATES.join(", ")}`);
      }
      const mode =
        request.mode === InstanceMode.INSTANCE_MODE_UNSPECIFIED ? undefined : modeFromProto(request.mode);
      const { instances, total } = await reports.instances({
        state,
        mode,
        region: request.region || undefined,
        limit: limitOf(request.limit, 500, 500),
      });
      return {
        total,
        instances: instances.map((instance) => ({
          id: instance.id,
          clientId: instance.clientId,
          clientName: instance.clientName,
          agentId: instance.agentId ?? "",
          instanceType: instance.instanceType,
          region: instance.region,
          availabilityZone: instance.availabilityZone,
          mode: modeToProto(instance.mode),
          poolId: instance.poolId ?? "",
          role: instance.role,
          running: instance.state === "running",
          state: instance.state,
          unmanagedAt: timeToProto(instance.unmanagedAt),
          spotPrice: instance.spotPrice ?? 0,
          onDemandPrice: instance.onDemandPrice ?? 0,
          launchedAt: timeToProto(instance.launchedAt),
          terminatedAt: timeToProto(instance.terminatedAt),
        })),
      };
    }),
    listActivity: admin("ListActivity", async (request) => ({
      events: (await reports.activity(limitOf(request.limit, 50, 500))).map((event) => ({
        id: event.id,
        type: event.type,
        severity: event.severity,
        message: event.message,
        clientId: event.clientId ?? "",
        agentId: event.agentId ?? "",
        createdAt: timeToProto(event.createdAt),
      })),
    })),
    getSystemHealth: admin("GetSystemHealth", async () => {
      const health = await reports.health();
      const { jobs: _jobs, decisionEngine, ...figures } = health;
      return {
        ...figures,
        checkedAt: timeToProto(health.checkedAt),
        version: deps.version,
        decisionEngine: engineStatusToProto(decisionEngine),
      };
    }),
    getFailoverStats: admin("GetFailoverStats", async (request) => {
      const stats = await deps.failover.stats(request.days);
      return {
        interruptions: stats.interruptions,
        actions: stats.actions,
        noticeToCommandPushed: histogramToProto(stats.noticeToCommandPushed),
        noticeToCompleted: histogramToProto(stats.noticeToCompleted),
      };
    }),
    listJobs: admin("ListJobs", async () => ({ jobs: jobs.list().map(jobToProto) })),
    runJob: admin("RunJob", async (request) => ({
      job: jobToProto(await jobs.run(request.name)),
    })),
    ...modelHandlers(deps),
  };
}
