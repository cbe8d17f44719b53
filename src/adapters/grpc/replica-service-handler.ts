import { status as GrpcStatus, type ServerUnaryCall, type sendUnaryData } from "@grpc/grpc-js";
import { ReplicaServiceService } from "../../../gen/spot/v1/replica_service.js";
import type { Authenticator } from "../../core/auth/authenticator.js";
import type { Logger } from "../../core/logging/logger.js";
import { ERROR_STATUS, toSafeError } from "../error-map.js";
import { bearerToken, peerAddress } from "./call-context.js";

/**
 * spot.v1.ReplicaService. The contract is published; the replica lifecycle behind it is not built yet, so every
 * method authenticates the caller and answers UNIMPLEMENTED with a clear message rather than pretending.
 */
export function createReplicaServiceHandler(authenticator: Authenticator, logger: Logger) {
  const handlers: Record<
    string,
    (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => void
  > = {};
  for (const method of Object.keys(ReplicaServiceService)) {
    handlers[method] = (call, callback) => {
      const peer = peerAddress(call.getPeer());
      try {
        authenticator.authenticateClient(bearerToken(call.metadata), peer);
        callback({
          code: GrpcStatus.UNIMPLEMENTED,
          details: "replica management is not available in this release yet",
        });
      } catch (error) {
        const safe = toSafeError(error, logger, { rpc: `ReplicaService/${method}`, peer });
        callback({ code: ERROR_STATUS[safe.code].grpc, details: safe.message });
      }
    };
  }
  return handlers;
}
