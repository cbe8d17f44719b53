import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { Hono } from "hono";
import type { TlsFiles } from "../grpc/grpc-server.js";

/** The REST bridge's Node listener (HTTP, or HTTPS with the same certificate as gRPC). */
export class HttpServer {
  private readonly server: Server;

  constructor(app: Hono, tls: TlsFiles | null) {
    this.server = (
      tls
        ? createAdaptorServer({
            fetch: app.fetch,
            createServer: createHttpsServer,
            serverOptions: { cert: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) },
          })
        : createAdaptorServer({ fetch: app.fetch })
    ) as Server;
    // Slow or idle clients must not pin sockets forever.
    this.server.requestTimeout = 30_000;
    this.server.headersTimeout = 10_000;
    this.server.keepAliveTimeout = 5_000;
  }

  get port(): number {
    const address = this.server.address();
    return address && typeof address === "object" ? (address as AddressInfo).port : 0;
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve(this.port);
      });
    });
  }

  /** Stops accepting, lets requests in flight finish for `graceMs`, then closes what is left. */
  stop(graceMs: number): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      const force = setTimeout(() => this.server.closeAllConnections(), graceMs);
      this.server.close(() => {
        clearTimeout(force);
        resolve();
      });
      this.server.closeIdleConnections();
    });
  }
}
