/**
 * What an attempt came to: the receiver's status, why there was none (refused, timed out), or the target refused
 * before any connection (its host is or resolves to an address webhooks may not reach).
 */
export type SendOutcome = { statusCode: number } | { error: string } | { refused: string };

/** The port that posts a signed body (the adapter connects only to addresses it has vetted). */
export interface WebhookSender {
  post(url: string, body: string, headers: Readonly<Record<string, string>>): Promise<SendOutcome>;
}
