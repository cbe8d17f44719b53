import type {
  handleBidiStreamingCall,
  handleClientStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
} from "@grpc/grpc-js";
import type { Decoded } from "./safe-service.js";

/** One generated handler type with its request as `withSafeDecoding` hands it over. */
type DecodedHandler<H> =
  H extends handleBidiStreamingCall<infer Req, infer Res>
    ? handleBidiStreamingCall<Decoded<Req>, Res>
    : H extends handleServerStreamingCall<infer Req, infer Res>
      ? handleServerStreamingCall<Decoded<Req>, Res>
      : H extends handleClientStreamingCall<infer Req, infer Res>
        ? handleClientStreamingCall<Decoded<Req>, Res>
        : H extends handleUnaryCall<infer Req, infer Res>
          ? handleUnaryCall<Decoded<Req>, Res>
          : never;

/**
 * A server interface generated in gen/ (ts-proto's `...Server`), method by method, with each request decoded or the
 * reason it could not be (see safe-service.ts). A handler object declared as `DecodedServer<AdminServiceServer>`
 * must have every method of the service, with the generated request and response types: a missing method or a
 * misspelt field is a compile error, not UNIMPLEMENTED or `undefined` at run time. The index signature grpc-js puts
 * on the generated interfaces (any name, any handler) is dropped, so only the service's own methods count.
 */
export type DecodedServer<S> = {
  [K in keyof S as string extends K ? never : number extends K ? never : K]: DecodedHandler<S[K]>;
};
