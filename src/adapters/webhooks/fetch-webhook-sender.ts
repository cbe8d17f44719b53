import type { SendOutcome, WebhookSender } from "../../core/webhooks/webhook-sender.js";

/**
 * Posts with fetch, bounded by a timeout. Redirects are not followed (a signed body goes only where it was
 * configured to go); a 3xx counts as a failed attempt like any other non-2xx answer.
 */
export function fetchWebhookSender(timeoutMs = 10_000): WebhookSender {
  return {
    post: async (url, body, headers): Promise<SendOutcome> => {
      try {
        const response = await fetch(url, {
          method: "POST",
          headers,
          body,
          redirect: "manual",
          signal: AbortSignal.timeout(timeoutMs),
        });
        // The answer's body is not needed; reading it ends the connection's use cleanly.
        await response.arrayBuffer().catch(() => undefined);
        return { statusCode: response.status };
      } catch (error) {
        return { error: describe(error) };
      }
    },
  };
}

/** A short reason without a stack: the delivery log is shown to the webhook's owner. */
function describe(error: unknown): string {
  if (error instanceof Error && error.name === "TimeoutError") return "timed out";
  const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
  if (cause?.code) return `connection failed (${cause.code})`;
  return "connection failed";
}
