import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from "node:dns";
import { request as httpRequest, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import type { SendOutcome, WebhookSender } from "../../core/webhooks/webhook-sender.js";
import { addressLiteral, refusalMessage, refusedAddressKind } from "../../core/webhooks/webhook-target.js";

export interface WebhookSenderOptions {
  timeoutMs?: number;
  /** The operator's override (--webhook-allow-private): post to private and loopback addresses too. */
  allowPrivate?: boolean;
}

/** A lookup that failed because the name resolves to a refused address: no connection is made. */
class RefusedTarget extends Error {}

/**
 * Posts over node:http(s), bounded by a timeout. The addresses are vetted where the connection is made: the
 * socket's own lookup refuses a name that resolves (now, whatever it resolved to when the webhook was created) to
 * a private, loopback, link-local or metadata address, so nothing connects there, and no second lookup can
 * answer differently. Redirects are not followed (a signed body goes only where it was configured to go); a
 * 3xx counts as a failed attempt like any other non-2xx answer.
 */
export function httpWebhookSender(options: WebhookSenderOptions = {}): WebhookSender {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const allowPrivate = options.allowPrivate ?? false;
  return {
    post: async (url, body, headers): Promise<SendOutcome> => {
      const target = new URL(url);
      const literal = addressLiteral(target.hostname);
      const kind = literal === null || allowPrivate ? null : refusedAddressKind(literal);
      if (literal !== null && kind !== null)
        return { refused: refusalMessage(target.hostname, literal, kind) };
      try {
        return {
          statusCode: await post(target, body, headers, timeoutMs, allowPrivate ? undefined : vettedLookup),
        };
      } catch (error) {
        if (error instanceof RefusedTarget) return { refused: error.message };
        return { error: describe(error) };
      }
    },
  };
}

function post(
  target: URL,
  body: string,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
  lookup: LookupFunction | undefined,
): Promise<number> {
  const request = target.protocol === "https:" ? httpsRequest : httpRequest;
  const options: RequestOptions = {
    method: "POST",
    headers: { ...headers, "content-length": Buffer.byteLength(body) },
    signal: AbortSignal.timeout(timeoutMs),
    ...(lookup ? { lookup } : {}),
  };
  return new Promise((resolve, reject) => {
    const outgoing = request(target, options, (response) => {
      // The status is the answer; the body is drained unread (an error while draining changes nothing).
      resolve(response.statusCode ?? 0);
      response.on("error", () => undefined);
      response.resume();
    });
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

/** The system's lookup, refusing every answer that holds a refused address (one bad address is enough). */
const vettedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true } as LookupAllOptions, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, "", 0);
    for (const { address } of addresses) {
      const kind = refusedAddressKind(address);
      if (kind !== null) return callback(new RefusedTarget(refusalMessage(hostname, address, kind)), "", 0);
    }
    const first = addresses[0];
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    if (!first) return callback(new Error("no address"), "", 0);
    return callback(null, first.address, first.family);
  });
};

/** A short reason without a stack: the delivery log is shown to the webhook's owner. */
function describe(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
    return "timed out";
  const code = (error as { code?: string } | undefined)?.code;
  if (code) return `connection failed (${code})`;
  return "connection failed";
}
