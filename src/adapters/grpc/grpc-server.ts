import { readFileSync } from "node:fs";
import {
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { HealthService } from "../../../gen/grpc/health/v1/health.js";
import { type AdminServiceServer, AdminServiceService } from "../../../gen/spot/v1/admin_service.js";
import { type AgentServiceServer, AgentServiceService } from "../../../gen/spot/v1/agent_service.js";
import { type DecisionServiceServer, DecisionServiceService } from "../../../gen/spot/v1/decision_service.js";
import { type ReplicaServiceServer, ReplicaServiceService } from "../../../gen/spot/v1/replica_service.js";
import { type SavingsServiceServer, SavingsServiceService } from "../../../gen/spot/v1/savings_service.js";
import type { Logger } from "../../core/logging/logger.js";
import type { DecodedServer } from "./decoded-server.js";
import { HealthServiceHandler } from "./health-service-handler.js";
import { addReflection } from "./reflection.js";
import { withSafeDecoding } from "./safe-service.js";

export interface TlsFiles {
  certPath: string;
  keyPath: string;
}

/** One handler object per service, each with every method of its generated server interface. */
export interface GrpcServerHandlers {
  agent: DecodedServer<AgentServiceServer>;
  replica: DecodedServer<ReplicaServiceServer>;
  admin: DecodedServer<AdminServiceServer>;
  decision: DecodedServer<DecisionServiceServer>;
  savings: DecodedServer<SavingsServiceServer>;
}

const SERVICE_NAMES = [
  "spot.v1.AgentService",
  "spot.v1.ReplicaService",
  "spot.v1.AdminService",
  "spot.v1.DecisionService",
  "spot.v1.SavingsService",
] as const;

export class GrpcServer {
  private readonly server: Server;
  private readonly health: HealthServiceHandler;
  private boundPort = 0;

  constructor(
    handlers: GrpcServerHandlers,
    private readonly logger: Logger,
    private readonly tls: TlsFiles | null,
  ) {
    this.server = new Server({
      // Agents keep their stream for days; the server notices dead peers with HTTP/2 pings.
      "grpc.keepalive_time_ms": 60_000,
      "grpc.keepalive_timeout_ms": 20_000,
      "grpc.keepalive_permit_without_calls": 1,
      "grpc.http2.min_ping_interval_without_data_ms": 10_000,
      "grpc.max_receive_message_length": 4 * 1024 * 1024,
      // One small stream per connection: channelz bookkeeping costs memory per agent for nothing.
      "grpc.enable_channelz": 0,
    });
    this.health = new HealthServiceHandler(new Set([...SERVICE_NAMES, "grpc.health.v1.Health"]));
    const add = (definition: ServiceDefinition, implementation: UntypedServiceImplementation) =>
      this.server.addService(withSafeDecoding(definition), implementation);
    add(AgentServiceService, handlers.agent);
    add(ReplicaServiceService, handlers.replica);
    add(AdminServiceService, handlers.admin);
    add(DecisionServiceService, handlers.decision);
    add(SavingsServiceService, handlers.savings);
    add(HealthService, this.health.handlers);
    addReflection(this.server, [
      ...SERVICE_NAMES,
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
    ]);
  }

  get port(): number {
    return this.boundPort;
  }

  async listen(address: string): Promise<number> {
    const credentials = this.tls
      ? ServerCredentials.createSsl(null, [
          { cert_chain: readFileSync(this.tls.certPath), private_key: readFileSync(this.tls.keyPath) },
        ])
      : ServerCredentials.createInsecure();
    this.boundPort = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(address, credentials, (error, port) => (error ? reject(error) : resolve(port)));
    });
    return this.boundPort;
  }

  /** Health turns NOT_SERVING; calls still open after `graceMs` are cancelled. */
  async stop(graceMs: number): Promise<void> {
    this.health.stopServing();
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.logger.warn("grpc calls still open at shutdown; forcing", { graceMs });
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}
