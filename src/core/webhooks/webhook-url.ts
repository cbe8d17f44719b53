import { invalidArgument } from "../errors/app-error.js";

const MAX_URL_LENGTH = 2048;

/** An absolute http(s) URL without credentials in it, or a clear invalid_argument. */
export function checkedWebhookUrl(text: unknown): string {
  if (typeof text !== "string" || text.trim() === "") throw invalidArgument("url is required");
  if (text.length > MAX_URL_LENGTH) throw invalidArgument(`url must be at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw invalidArgument("url is not a valid absolute URL (expected http:// or https://...)");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw invalidArgument(`url must use http or https, not ${url.protocol.replace(/:$/, "")}`);
  if (url.username || url.password)
    throw invalidArgument("url must not carry credentials; the body is signed with the webhook's secret");
  return url.toString();
}
