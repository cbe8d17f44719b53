import type { ServerDuplexStream } from "@grpc/grpc-js";
import type { AgentMessage, ServerMessage } from "../../../gen/spot/v1/agent_service.js";
import type { Authenticator } from "../../core/auth/authenticator.js";
import { AgentConnection, type ConnectionServices } from "../../core/sessions/agent-connection.js";
import type { DisconnectReason } from "../../core/sessions/session-control.js";
import { ERROR_STATUS, toSafeError } from "../error-map.js";
import { decodeAgentMessage, encodeServerMessage } from "./agent-message-codec.js";
import { bearerToken, peerAddress } from "./call-context.js";
import type { Decoded } from "./safe-service.js";

type ConnectCall = ServerDuplexStream<Decoded<AgentMessage>, ServerMessage>;

/** spot.v1.AgentService: authenticates the stream, then hands every message to the core's AgentConnection. */
export function createAgentServiceHandler(authenticator: Authenticator, services: ConnectionServices) {
  const { logger } = services;
  return {
    connect(call: ConnectCall): void {
      const peer = peerAddress(call.getPeer());
      const endWith = (reason: DisconnectReason | null) => {
        if (call.writableEnded || call.destroyed) return;
        if (reason) call.emit("error", { code: ERROR_STATUS[reason.code].grpc, details: reason.message });
        else call.end();
      };
      let connection: AgentConnection;
      try {
        const caller = authenticator.authenticateClient(bearerToken(call.metadata), peer);
        connection = new AgentConnection(
          caller,
          { peer, write: (message) => call.write(encodeServerMessage(message)), end: endWith },
          services,
        );
      } catch (error) {
        endWith(toSafeError(error, logger, { rpc: "AgentService/Connect", peer }));
        return;
      }
      call.on("data", (decoded: Decoded<AgentMessage>) => {
        if (!decoded.ok) {
          connection.undecodable(0, decoded.error);
          return;
        }
        let envelope: ReturnType<typeof decodeAgentMessage>;
        try {
          envelope = decodeAgentMessage(decoded.value);
        } catch (error) {
          connection.undecodable(decoded.value.seq, toSafeError(error, logger, { peer }).message);
          return;
        }
        connection.receive(envelope);
      });
      call.on("drain", () => connection.drained());
      call.on("end", () => {
        connection.closed();
        endWith(null);
      });
      call.on("cancelled", () => connection.closed());
      call.on("close", () => connection.closed());
      call.on("error", () => connection.closed());
    },
  };
}
