/** What an attempt came to: the receiver's status, or why there was none (refused, timed out). */
export type SendOutcome = { statusCode: number } | { error: string };

/** The port that posts a signed body (the adapter uses fetch with a timeout). */
export interface WebhookSender {
  post(url: string, body: string, headers: Readonly<Record<string, string>>): Promise<SendOutcome>;
}
