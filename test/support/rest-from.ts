import { request } from "node:http";

/**
 * A REST call from a chosen local address (127.0.0.x on loopback), so the control plane sees it come from that
 * address as it would from one instance or another. JSON in and out; status 0 when nothing answered.
 */
export function restFrom(
  localAddress: string,
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: any }> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve) => {
    const outgoing = request(
      new URL(path, baseUrl),
      {
        method,
        localAddress,
        // A fresh connection per call: no kept-alive socket that the server may be closing as it is reused.
        agent: false,
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          "content-type": "application/json",
          ...(payload ? { "content-length": Buffer.byteLength(payload) } : {}),
        },
        timeout: 30_000,
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          text += chunk;
        });
        response.on("end", () => {
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : {};
          } catch {
            // Not JSON: the caller sees the text.
          }
          resolve({ status: response.statusCode ?? 0, body });
        });
      },
    );
    outgoing.on("error", () => resolve({ status: 0, body: null }));
    outgoing.end(payload);
  });
}
