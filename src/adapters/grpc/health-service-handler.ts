import { status as GrpcStatus, type ServerWritableStream } from "@grpc/grpc-js";
import {
  type HealthCheckRequest,
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus,
  type HealthServer,
} from "../../../gen/grpc/health/v1/health.js";
import type { DecodedServer } from "./decoded-server.js";
import type { Decoded } from "./safe-service.js";

const { SERVING, NOT_SERVING, SERVICE_UNKNOWN } = HealthCheckResponse_ServingStatus;

/**
 * grpc.health.v1.Health. The server ("") and each registered service are SERVING until shutdown begins, then
 * NOT_SERVING, so load balancers stop sending new streams before existing ones are drained.
 */
export class HealthServiceHandler {
  private serving = true;
  private readonly watchers = new Set<{
    service: string;
    call: ServerWritableStream<Decoded<HealthCheckRequest>, HealthCheckResponse>;
  }>();

  constructor(private readonly services: ReadonlySet<string>) {}

  private statusOf(service: string): HealthCheckResponse_ServingStatus | undefined {
    if (service !== "" && !this.services.has(service)) return undefined;
    return this.serving ? SERVING : NOT_SERVING;
  }

  readonly handlers: DecodedServer<HealthServer> = {
    check: (call, callback) => {
      if (!call.request.ok) {
        callback({
          code: GrpcStatus.INVALID_ARGUMENT,
          details: `request could not be decoded: ${call.request.error}`,
        });
        return;
      }
      const status = this.statusOf(call.request.value.service);
      if (status === undefined) callback({ code: GrpcStatus.NOT_FOUND, details: "unknown service" });
      else callback(null, { status });
    },
    watch: (call) => {
      if (!call.request.ok) {
        call.emit("error", {
          code: GrpcStatus.INVALID_ARGUMENT,
          details: `request could not be decoded: ${call.request.error}`,
        });
        return;
      }
      const service = call.request.value.service;
      const watcher = { service, call };
      this.watchers.add(watcher);
      call.on("cancelled", () => this.watchers.delete(watcher));
      call.write({ status: this.statusOf(service) ?? SERVICE_UNKNOWN });
    },
  };

  /** Shutdown begins: every watcher hears NOT_SERVING and its stream ends. */
  stopServing(): void {
    this.serving = false;
    for (const watcher of this.watchers) {
      watcher.call.write({ status: this.statusOf(watcher.service) ?? SERVICE_UNKNOWN });
      watcher.call.end();
    }
    this.watchers.clear();
  }
}
