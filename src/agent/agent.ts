import { readFileSync } from "node:fs";
import { EC2Client } from "@aws-sdk/client-ec2";
import { credentials as grpcCredentials } from "@grpc/grpc-js";
import type { Hello } from "../../gen/spot/v1/agent_service.js";
import { type AgentConfig, InstanceMode } from "../../gen/spot/v1/common.js";
import { Ec2Gateway } from "../aws/ec2-gateway.js";
import type { Logger } from "../core/logging/logger.js";
import type { AgentContext } from "./agent-context.js";
import type { AgentSettings } from "./agent-settings.js";
import { AgentStateFile } from "./agent-state-file.js";
import { Ec2CommandExecutor } from "./ec2-command-executor.js";
import { ImdsClient, type InstanceIdentity } from "./imds-client.js";
import { InterruptionWatch } from "./interruption-watch.js";
import { cleanUpImages, reportPrices } from "./periodic-reports.js";
import { agentChannels, processClock } from "./protocol/agent-channel.js";
import { AgentSession } from "./protocol/agent-session.js";
import { RECONNECT_BACKOFF } from "./protocol/backoff.js";
import { CommandRunner } from "./protocol/command-runner.js";
import { grpcCodeName } from "./protocol/grpc-code-name.js";
import type { MessageBody } from "./protocol/outbox.js";

const AGENT_VERSION = "1.0.0";
const RETIRE_FLUSH_TIMEOUT_MS = 30_000;
/** A stream not welcomed within this is given up and opened again. */
const WELCOME_TIMEOUT_MS = 15_000;

/** Identity from instance metadata (IMDSv2), or from the settings when there is no metadata service. */
async function resolveIdentity(
  settings: AgentSettings,
  imds: ImdsClient,
  logger: Logger,
): Promise<InstanceIdentity> {
  try {
    return await imds.identity();
  } catch (error) {
    const fallback = settings.fallbackIdentity;
    if (!fallback.instanceId || !fallback.instanceType || !fallback.availabilityZone) {
      throw new Error(
        `no instance metadata (${String(error)}) and no --instance-id, --instance-type and --availability-zone`,
      );
    }
    logger.warn("no instance metadata service; using the identity from the settings", {
      error: String(error),
    });
    return {
      instanceId: fallback.instanceId,
      instanceType: fallback.instanceType,
      availabilityZone: fallback.availabilityZone,
      region: settings.region ?? fallback.availabilityZone.replace(/[a-z]$/, ""),
      lifecycle: fallback.mode === "spot" ? "spot" : "ondemand",
      amiId: null,
      privateIp: null,
      publicIp: null,
      hostname: null,
    };
  }
}

/**
 * The agent on one EC2 instance: one stream to the control plane, the interruption watch, periodic pricing and
 * cleanup, and the commands the server pushes, carried out with the EC2 API.
 */
export class Agent {
  private readonly session: AgentSession;
  private readonly runner: CommandRunner;
  private readonly watch: InterruptionWatch;
  private readonly timers: NodeJS.Timeout[] = [];
  private config: AgentConfig | undefined;
  private retiring = false;
  private welcomedOnce = false;
  private finish!: (reason: string) => void;
  /** Resolves with the reason the agent stopped (retired, or stop()). */
  readonly done = new Promise<string>((resolve) => {
    this.finish = resolve;
  });

  private constructor(
    private readonly settings: AgentSettings,
    readonly identity: InstanceIdentity,
    imds: ImdsClient,
    private readonly logger: Logger,
  ) {
    const logicalAgentId = settings.logicalAgentId ?? identity.instanceId;
    const context: AgentContext = {
      logicalAgentId,
      identity,
      ec2: new Ec2Gateway(new EC2Client({ region: settings.region ?? identity.region })),
      logger,
      report: (body: MessageBody, options = { durable: true }) => this.session.send(body, options),
      config: () => this.config,
      retire: (reason) => void this.retire(reason),
      timing: { ec2WaitTimeoutMs: 600_000, ec2PollMs: 2_000 },
    };
    const tls = settings.tls;
    const { servers, metadata } = agentChannels(
      settings.server,
      settings.token,
      tls
        ? grpcCredentials.createSsl(tls.caPath ? readFileSync(tls.caPath) : null)
        : grpcCredentials.createInsecure(),
    );
    this.session = new AgentSession(
      servers,
      metadata,
      {
        hello: () => this.hello(logicalAgentId),
        welcome: (welcome) => {
          this.config = welcome.config;
          logger.info("connected", {
            agentId: welcome.agentId,
            heartbeatInterval: welcome.heartbeatInterval,
          });
          this.runner.resendUnreportedResults();
          if (!this.welcomedOnce) {
            this.welcomedOnce = true;
            void reportPrices(context);
          }
        },
        command: (command) => {
          // A retiring agent no longer speaks for the workload: the next primary's agent takes its commands.
          if (!this.retiring) this.runner.handle(command);
        },
        settled: (seq, outcome) => {
          if (!outcome.ok)
            logger.warn("server refused a report", { seq, code: outcome.code, message: outcome.message });
          this.runner.settled(seq, outcome);
        },
        streamEnded: ({ error, refused }) => {
          if (refused && error)
            logger.error("server refused the stream", {
              code: grpcCodeName(error.code),
              details: error.details,
            });
        },
      },
      {
        clock: processClock,
        backoff: RECONNECT_BACKOFF,
        welcomeTimeoutMs: WELCOME_TIMEOUT_MS,
        heartbeats: "timer",
        reconnect: true,
        logger: logger.child({ server: settings.server }),
      },
    );
    this.runner = new CommandRunner(
      this.session,
      AgentStateFile.load(settings.stateFile),
      new Ec2CommandExecutor(context, (config) => {
        this.config = config;
      }),
      logger,
    );
    this.watch = new InterruptionWatch(context, imds, settings.interruptionPollMs);
    this.timers.push(
      setInterval(() => void reportPrices(context), settings.pricingIntervalSeconds * 1000),
      setInterval(
        () => void cleanUpImages(context, settings.imageRetentionDays * 86_400_000),
        settings.cleanupIntervalSeconds * 1000,
      ),
    );
  }

  static async create(settings: AgentSettings, logger: Logger, imds = new ImdsClient()): Promise<Agent> {
    const identity = await resolveIdentity(settings, imds, logger);
    logger.info("identity", { ...identity });
    return new Agent(settings, identity, imds, logger);
  }

  start(): void {
    void this.session.start();
    this.watch.start();
  }

  async stop(reason = "stopped"): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.watch.stop();
    this.session.close();
    this.finish(reason);
  }

  private hello(logicalAgentId: string): Hello {
    const { identity } = this;
    return {
      logicalAgentId,
      instanceId: identity.instanceId,
      instanceType: identity.instanceType,
      region: identity.region,
      availabilityZone: identity.availabilityZone,
      mode:
        identity.lifecycle === "spot"
          ? InstanceMode.INSTANCE_MODE_SPOT
          : InstanceMode.INSTANCE_MODE_ON_DEMAND,
      agentVersion: AGENT_VERSION,
      privateIp: identity.privateIp ?? "",
      publicIp: identity.publicIp ?? "",
      hostname: identity.hostname ?? "",
      amiId: identity.amiId ?? "",
      reregister: this.settings.reregister,
    };
  }

  /** Waits (bounded) for running commands and unconfirmed reports, then stops. */
  private async retire(reason: string): Promise<void> {
    if (this.retiring) return;
    this.retiring = true;
    this.logger.info("retiring", { reason });
    this.watch.stop();
    const deadline = Date.now() + RETIRE_FLUSH_TIMEOUT_MS;
    while ((this.runner.busy > 0 || this.session.pendingReports > 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await this.stop(reason);
  }
}
