import { type ChannelCredentials, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { AdminServiceClient } from "../../gen/spot/v1/admin_service.js";
import { AgentServiceClient } from "../../gen/spot/v1/agent_service.js";
import { ReplicaServiceClient } from "../../gen/spot/v1/replica_service.js";

export function bearer(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

const CHANNEL_OPTIONS = { "grpc.use_local_subchannel_pool": 1 };

export function adminClient(address: string, creds: ChannelCredentials = credentials.createInsecure()) {
  return new AdminServiceClient(address, creds, CHANNEL_OPTIONS);
}

export function agentClient(address: string, creds: ChannelCredentials = credentials.createInsecure()) {
  return new AgentServiceClient(address, creds, CHANNEL_OPTIONS);
}

export function replicaClient(address: string, creds: ChannelCredentials = credentials.createInsecure()) {
  return new ReplicaServiceClient(address, creds, CHANNEL_OPTIONS);
}

/** Promisifies one unary call: `call<Res>((done) => client.method(request, metadata, done))`. */
export function call<Res>(
  invoke: (done: (error: ServiceError | null, response: Res) => void) => void,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    invoke((error, response) => (error ? reject(error) : resolve(response)));
  });
}
