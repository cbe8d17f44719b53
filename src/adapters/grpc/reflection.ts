import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import {
  status as GrpcStatus,
  type Server,
  type ServerDuplexStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import type { PackageDefinition } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { descriptorSetBase64 } from "../../../gen/descriptor-set.js";
import { type Decoded, withSafeDecoding } from "./safe-service.js";

/**
 * Server reflection (v1 and v1alpha), so `buf curl` and grpcurl can list, describe and call every method.
 *
 * @grpc/reflection indexes the `fileDescriptorProtos` of a package definition. Built by @grpc/proto-loader, those
 * merge every file of a package into one and drop the imports, and clients then cannot resolve messages that
 * use well-known types. Handing it the generated descriptor set file by file keeps names and imports intact.
 *
 * Its streams get the same decoding guard as our own services: grpc-js answers INTERNAL to a request that does
 * not decode, and a malformed reflection request is the caller's error (INVALID_ARGUMENT), not the server's.
 */
export function addReflection(server: Server, services: readonly string[]): void {
  const set = fromBinary(FileDescriptorSetSchema, Buffer.from(descriptorSetBase64, "base64"));
  const files = set.file.map((file) => Buffer.from(toBinary(FileDescriptorProtoSchema, file)));
  const definition = { descriptorSet: { fileDescriptorProtos: files } } as unknown as PackageDefinition;
  const guarded = {
    addService: (service: ServiceDefinition, implementation: UntypedServiceImplementation) =>
      server.addService(withSafeDecoding(service), guardStreams(implementation)),
  } as unknown as Server;
  new ReflectionService(definition, { services: [...services] }).addToServer(guarded);
}

type Stream = ServerDuplexStream<Decoded<unknown>, unknown>;

/**
 * The reflection handlers (bidi streams that only use on, write and end) see decoded requests; an undecodable
 * one ends the stream with INVALID_ARGUMENT instead.
 */
function guardStreams(implementation: UntypedServiceImplementation): UntypedServiceImplementation {
  const guarded: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(implementation)) {
    guarded[name] = ((stream: Stream) => {
      let refused = false;
      const view = {
        on(event: string, listener: (...args: unknown[]) => void) {
          if (event !== "data") {
            stream.on(event, listener);
            return view;
          }
          stream.on("data", (decoded: Decoded<unknown>) => {
            if (refused) return;
            if (decoded.ok) {
              listener(decoded.value);
              return;
            }
            refused = true;
            stream.emit("error", {
              code: GrpcStatus.INVALID_ARGUMENT,
              details: `request could not be decoded: ${decoded.error}`,
            });
          });
          return view;
        },
        write: (message: unknown) => (refused ? false : stream.write(message)),
        end: () => {
          if (!refused) stream.end();
        },
      };
      (handler as (call: unknown) => void)(view);
    }) as UntypedServiceImplementation[string];
  }
  return guarded;
}
