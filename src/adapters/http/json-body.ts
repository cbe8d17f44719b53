import type { Context } from "hono";
import { invalidArgument } from "../../core/errors/app-error.js";

/**
 * The most a JSON request body may hold. The largest legitimate one, a legacy pricing report of 500 pools in each
 * of its three sections, is a few hundred KB; without a bound, one request could make the server buffer any size.
 */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

/** A request body over the limit: the REST bridge answers 413, with the limit. */
export class BodyTooLarge extends Error {
  override name = "BodyTooLarge";

  constructor(
    readonly limitBytes: number,
    message = `the request body exceeds ${limitBytes} bytes`,
  ) {
    super(message);
  }
}

/**
 * The request's JSON body (`{}` when empty), at most `limitBytes` long. A declared length over the limit is
 * refused before anything is read; a body without one (chunked) is read only up to the limit.
 */
export async function readJsonBody(context: Context, limitBytes = MAX_JSON_BODY_BYTES): Promise<unknown> {
  const declared = context.req.header("content-length");
  if (declared !== undefined && Number(declared) > limitBytes) throw new BodyTooLarge(limitBytes);
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
    if (size > limitBytes) throw new BodyTooLarge(limitBytes);
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}
