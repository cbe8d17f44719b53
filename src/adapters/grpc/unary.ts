import type { ServerUnaryCall, sendUnaryData } from "@grpc/grpc-js";
import type { Authenticator, CallOrigin } from "../../core/auth/authenticator.js";
import type { ClientContext } from "../../core/clients/client.js";
import { invalidArgument } from "../../core/errors/app-error.js";
import type { Logger } from "../../core/logging/logger.js";
import { ERROR_STATUS, toSafeError } from "../error-map.js";
import { bearerToken, methodOf, peerAddress } from "./call-context.js";
import type { Decoded } from "./safe-service.js";

type UnaryHandler<Req, Res> = (
  call: ServerUnaryCall<Decoded<Req>, Res>,
  callback: sendUnaryData<Res>,
) => void;

/**
 * Authenticates first (so an unauthenticated caller learns nothing), then decodes, runs and maps errors. A use
 * case may answer later (a promise), e.g. running a background job on demand.
 */
function unary<Req, Res, Caller>(
  logger: Logger,
  rpc: string,
  authenticate: (token: string | undefined, origin: CallOrigin) => Caller,
  run: (request: Req, caller: Caller) => Res | Promise<Res>,
): UnaryHandler<Req, Res> {
  return (call, callback) => {
    const peer = peerAddress(call.getPeer());
    const fail = (error: unknown) => {
      const safe = toSafeError(error, logger, { rpc, peer });
      callback({ code: ERROR_STATUS[safe.code].grpc, details: safe.message });
    };
    try {
      const caller = authenticate(bearerToken(call.metadata), { peer, where: methodOf(call) });
      const decoded = call.request;
      if (!decoded.ok) throw invalidArgument(`request could not be decoded: ${decoded.error}`);
      const result = run(decoded.value, caller);
      if (result instanceof Promise) result.then((value) => callback(null, value), fail);
      else callback(null, result);
    } catch (error) {
      fail(error);
    }
  };
}

export function adminUnary<Req, Res>(
  authenticator: Authenticator,
  logger: Logger,
  rpc: string,
  run: (request: Req) => Res | Promise<Res>,
): UnaryHandler<Req, Res> {
  return unary(
    logger,
    rpc,
    (token, origin) => authenticator.authenticateAdmin(token, origin),
    (request) => run(request),
  );
}

export function clientUnary<Req, Res>(
  authenticator: Authenticator,
  logger: Logger,
  rpc: string,
  run: (request: Req, caller: ClientContext) => Res,
): UnaryHandler<Req, Res> {
  return unary(logger, rpc, (token, origin) => authenticator.authenticateClient(token, origin), run);
}
