import type { Context } from "hono";
import { AppError, invalidArgument } from "../../core/errors/app-error.js";

/**
 * The most a JSON request body may hold. The largest legitimate one, a legacy pricing report of 500 pools in each
 * of its three sections, is a few hundred KB; without a bound, one request could make the server buffer any size.
 */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

/** A request body over `limitBytes`: 413 payload_too_large, with the limit. */
export function bodyTooLarge(
  limitBytes: number,
  message = `the request body exceeds ${limitBytes} bytes`,
): AppError {
  return new AppError("payload_too_large", message, { limitBytes });
}

/**
 * The request's JSON body (`{}` when empty), at most `limitBytes` long. A declared length over the limit is
 * refused before anything is read; a body without one (chunked) is read only up to the limit.
 */
export async function readJsonBody(context: Context, limitBytes = MAX_JSON_BODY_BYTES): Promise<unknown> {
  const declared = context.req.header("content-length");
  if (declared !== undefined && Number(declared) > limitBytes) throw bodyTooLarge(limitBytes);
  // Node's HTTP parser holds a body to its declared length, so only an undeclared one needs counting.
  const text =
    declared !== undefined ? await context.req.text() : await readTextAtMost(context.req.raw, limitBytes);
  if (text.trim() === "") return {};
  const type = context.req.header("content-type") ?? "";
  if (type && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    throw invalidArgument(`expected a JSON body (content-type application/json), got ${type.split(";")[0]}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw invalidArgument("request body is not valid JSON");
  }
}

async function readTextAtMost(request: Request, limitBytes: number): Promise<string> {
  if (!request.body) return "";
  const decoder = new TextDecoder();
  let size = 0;
  let text = "";
  for await (const chunk of request.body) {
    size += chunk.byteLength;
    if (size > limitBytes) throw bodyTooLarge(limitBytes);
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}
