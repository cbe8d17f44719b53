import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import type { Server } from "@grpc/grpc-js";
import type { PackageDefinition } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { descriptorSetBase64 } from "../../../gen/descriptor-set.js";

/**
 * Server reflection (v1 and v1alpha), so `buf curl` and grpcurl can list, describe and call every method.
 *
 * @grpc/reflection indexes the `fileDescriptorProtos` of a package definition. Built by @grpc/proto-loader, those
 * merge every file of a package into one and drop the imports, and clients then cannot resolve messages that
 * use well-known types. Handing it the generated descriptor set file by file keeps names and imports intact.
 */
export function addReflection(server: Server, services: readonly string[]): void {
  const set = fromBinary(FileDescriptorSetSchema, Buffer.from(descriptorSetBase64, "base64"));
  const files = set.file.map((file) => Buffer.from(toBinary(FileDescriptorProtoSchema, file)));
  const definition = { descriptorSet: { fileDescriptorProtos: files } } as unknown as PackageDefinition;
  new ReflectionService(definition, { services: [...services] }).addToServer(server);
}
