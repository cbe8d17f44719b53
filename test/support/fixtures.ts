import type { CreateClientResponse } from "../../gen/spot/v1/admin_service.js";
import { adminClient, bearer, call } from "./grpc-clients.js";

/** Creates a client through AdminService and returns its id and token. */
export async function createClient(grpcAddress: string, adminToken: string, name: string) {
  const admin = adminClient(grpcAddress);
  try {
    const response = await call<CreateClientResponse>((done) =>
      admin.createClient({ name, email: "" }, bearer(adminToken), done),
    );
    return { clientId: response.client?.id ?? "", token: response.token };
  } finally {
    admin.close();
  }
}
