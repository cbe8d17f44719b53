import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { type Client, type Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { REPO_ROOT } from "./cli-process.js";

/** One method of a generated service definition. */
export interface GrpcMethod {
  /** "/spot.v1.AdminService/CreateClient" */
  path: string;
  service: string;
  name: string;
  requestStream: boolean;
  responseStream: boolean;
  /** The gen/ module it was found in, for messages. */
  module: string;
}

/** Every method of every service definition exported by the generated code in gen/ (ts-proto's `...Service`). */
export async function generatedMethods(): Promise<GrpcMethod[]> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name.endsWith(".ts")) files.push(join(dir, entry.name));
    }
  };
  walk(join(REPO_ROOT, "gen"));
  const methods: GrpcMethod[] = [];
  for (const file of files.sort()) {
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const exported of Object.values(module)) {
      if (!exported || typeof exported !== "object") continue;
      const entries = Object.values(exported as Record<string, unknown>);
      const isService =
        entries.length > 0 &&
        entries.every(
          (entry) =>
            typeof entry === "object" &&
            entry !== null &&
            typeof (entry as { path?: unknown }).path === "string" &&
            typeof (entry as { requestStream?: unknown }).requestStream === "boolean",
        );
      if (!isService) continue;
      for (const entry of entries as Array<{
        path: string;
        requestStream: boolean;
        responseStream: boolean;
      }>) {
        const [, service = "", name = ""] = entry.path.split("/");
        methods.push({
          path: entry.path,
          service,
          name,
          requestStream: entry.requestStream,
          responseStream: entry.responseStream,
          module: relative(REPO_ROOT, file),
        });
      }
    }
  }
  return methods;
}

export interface CallOutcome {
  code: status;
  details: string;
  /** Raw messages the server sent (streams). */
  messages: Buffer[];
}

const raw = (bytes: Buffer) => bytes;
const fromError = (error: ServiceError | null): Pick<CallOutcome, "code" | "details"> =>
  error ? { code: error.code, details: error.details } : { code: status.OK, details: "" };

/** A unary call with raw bytes; resolves with its status (never rejects). */
export function unaryCall(
  client: Client,
  path: string,
  bytes: Buffer,
  metadata: Metadata,
): Promise<CallOutcome> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      raw,
      raw,
      bytes,
      metadata,
      { deadline: Date.now() + 10_000 },
      (error, value) => resolve({ ...fromError(error), messages: value ? [value] : [] }),
    );
  });
}

/** A server-streaming call: the first message or the end, then cancelled. */
export function serverStreamCall(
  client: Client,
  path: string,
  bytes: Buffer,
  metadata: Metadata,
): Promise<CallOutcome> {
  return new Promise((resolve) => {
    const messages: Buffer[] = [];
    const call = client.makeServerStreamRequest(path, raw, raw, bytes, metadata, {
      deadline: Date.now() + 10_000,
    });
    let settled = false;
    const settle = (outcome: Pick<CallOutcome, "code" | "details">) => {
      if (settled) return;
      settled = true;
      resolve({ ...outcome, messages });
    };
    call.on("data", (message: Buffer) => {
      messages.push(message);
      settle({ code: status.OK, details: "" });
      call.cancel();
    });
    call.on("error", (error: ServiceError) =>
      settle(error.code === status.CANCELLED ? fromError(null) : fromError(error)),
    );
    call.on("end", () => settle({ code: status.OK, details: "" }));
  });
}

/** A bidi call: writes every frame, half-closes, and collects what comes back until the stream ends. */
export function bidiCall(
  client: Client,
  path: string,
  frames: Buffer[],
  metadata: Metadata,
): Promise<CallOutcome> {
  return new Promise((resolve) => {
    const messages: Buffer[] = [];
    const call = client.makeBidiStreamRequest(path, raw, raw, metadata, { deadline: Date.now() + 10_000 });
    call.on("data", (message: Buffer) => messages.push(message));
    call.on("error", (error: ServiceError) => resolve({ ...fromError(error), messages }));
    call.on("end", () => resolve({ code: status.OK, details: "", messages }));
    for (const frame of frames) call.write(frame);
    call.end();
  });
}
