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
 * The request body, refused (`tooLarge()`) when its declared length is over `limitBytes` or as soon as what is
 * read passes it (a chunked body declares no length).
 */
export async function readBodyAtMost(
  request: Request,
  limitBytes: number,
  tooLarge: () => AppError = () => bodyTooLarge(limitBytes),
): Promise<Uint8Array> {
  if (Number(request.headers.get("content-length") ?? 0) > limitBytes) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    for await (const chunk of request.body) {
      size += chunk.byteLength;
      if (size > limitBytes) throw tooLarge();
      chunks.push(chunk);
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * The request's JSON body (`{}` when empty), at most `limitBytes` long. A declared length over the limit is
 * refused before anything is read; a body without one (chunked) is read only up to the limit.
 */
export async function readJsonBody(context: Context, limitBytes = MAX_JSON_BODY_BYTES): Promise<unknown> {
  const declared = context.req.header("content-length");
  if (declared !== undefined && Number(declared) > limitBytes) throw bodyTooLarge(limitBytes);
  // Node's HTTP parser holds a body to its declared length, so only an undeclared one needs counting; the
  // declared one keeps Hono's own (cheaper) read, the heartbeat's path.
  const text =
    declared !== undefined
      ? await context.req.text()
      : new TextDecoder().decode(await readBodyAtMost(context.req.raw, limitBytes));
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
