import { Metadata, type ServerDuplexStream } from "@grpc/grpc-js";
import type { AgentMessage, AgentServiceServer, ServerMessage } from "../../../gen/spot/v1/agent_service.js";
import type { Authenticator } from "../../core/auth/authenticator.js";
import { AppError } from "../../core/errors/app-error.js";
import { AgentConnection, type ConnectionServices } from "../../core/sessions/agent-connection.js";
import type { OutboundMessage } from "../../core/sessions/agent-messages.js";
import type { DisconnectReason } from "../../core/sessions/session-control.js";
import { ERROR_STATUS, toSafeError } from "../error-map.js";
import { decodeAgentMessage, encodeServerMessage } from "./agent-message-codec.js";
import { type AgentStreamMetrics, NO_STREAM_METRICS } from "./agent-stream-metrics.js";
import { bearerToken, methodOf, peerAddress } from "./call-context.js";
import type { DecodedServer } from "./decoded-server.js";
import type { Decoded } from "./safe-service.js";

type ConnectCall = ServerDuplexStream<Decoded<AgentMessage>, ServerMessage>;

/** Trailing metadata of a refused stream: how long the agent should wait before it tries again. */
export const RETRY_AFTER_MS_TRAILER = "retry-after-ms";

/**
 * spot.v1.AgentService: authenticates the stream, asks the session registry to admit it (the cap on new streams
 * per second), then hands every message to the core's AgentConnection.
 */
export function createAgentServiceHandler(
  authenticator: Authenticator,
  services: ConnectionServices,
  metrics: AgentStreamMetrics = NO_STREAM_METRICS,
): DecodedServer<AgentServiceServer> {
  const { logger, clock } = services;
  return {
    connect(call: ConnectCall): void {
      const peer = peerAddress(call.getPeer());
      const endWith = (reason: DisconnectReason | null) => {
        if (call.writableEnded || call.destroyed) return;
        if (!reason) {
          call.end();
          return;
        }
        const trailers = new Metadata();
        const retryAfterMs =
          reason instanceof AppError
            ? reason.details?.retryAfterMs
            : "retryAfterMs" in reason
              ? reason.retryAfterMs
              : undefined;
        if (typeof retryAfterMs === "number") trailers.set(RETRY_AFTER_MS_TRAILER, String(retryAfterMs));
        call.emit("error", {
          code: ERROR_STATUS[reason.code].grpc,
          details: reason.message,
          metadata: trailers,
        });
      };
      // Commands written after the welcome were pushed as they were issued; those before it waited for the agent.
      let welcomedAt = Number.POSITIVE_INFINITY;
      const write = (message: OutboundMessage) => {
        metrics.sent(message.type);
        if (message.type === "welcome") welcomedAt = clock.now();
        else if (message.type === "command") {
          const { command } = message;
          const live = command.deliveryCount === 0 && command.createdAt >= welcomedAt;
          metrics.commandWritten(command, live ? clock.now() - command.createdAt : null);
        }
        return call.write(encodeServerMessage(message));
      };
      // Events that arrive while the caller is authenticated wait for it: callbacks added to one promise run in
      // the order they were added (and all before the next I/O event), so the connection receives them in order.
      let connection: AgentConnection | undefined;
      let decided = false;
      const opened = (async () => {
        try {
          const caller = await authenticator.authenticateClient(bearerToken(call.metadata), {
            peer,
            where: methodOf(call),
          });
          services.sessions.admit();
          metrics.opened();
          connection = new AgentConnection(caller, { peer, write, end: endWith }, services);
        } catch (error) {
          const safe = toSafeError(error, logger, { rpc: "AgentService/Connect", peer });
          metrics.refused(safe.code);
          endWith(safe);
        }
        decided = true;
      })();
      const withConnection = (use: (connection: AgentConnection) => void) => {
        if (decided) {
          if (connection) use(connection);
          return;
        }
        // `opened` never rejects: a refused stream leaves `connection` undefined.
        services.background.track(opened.then(() => connection && use(connection)));
      };
      call.on("data", (decoded: Decoded<AgentMessage>) => {
        if (!decoded.ok) {
          metrics.received("undecodable");
          withConnection((connection) => connection.undecodable(0, decoded.error));
          return;
        }
        metrics.received(decoded.value.body?.$case ?? "empty");
        let envelope: ReturnType<typeof decodeAgentMessage>;
        try {
          envelope = decodeAgentMessage(decoded.value);
        } catch (error) {
          const reason = toSafeError(error, logger, { peer }).message;
          withConnection((connection) => connection.undecodable(decoded.value.seq, reason));
          return;
        }
        withConnection((connection) => connection.receive(envelope));
      });
      call.on("drain", () => withConnection((connection) => connection.drained()));
      call.on("end", () => {
        withConnection((connection) => connection.closed());
        endWith(null);
      });
      call.on("cancelled", () => withConnection((connection) => connection.closed()));
      call.on("close", () => withConnection((connection) => connection.closed()));
      call.on("error", () => withConnection((connection) => connection.closed()));
    },
  };
}
