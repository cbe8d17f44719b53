// Calls to the REST bridge: JSON in and out, errors as ApiError with the bridge's error code.
import { clearClientSession, goToSignIn } from "./session-store.js";

export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message @param {number | null} [retryAfterSeconds] */
  constructor(status, code, message, retryAfterSeconds = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * @typedef {{ token?: string, method?: string, body?: unknown }} RequestOptions
 */

/**
 * One request; `token` goes in the authorization header. Never sends cookies.
 * @param {string} path
 * @param {RequestOptions} [options]
 * @returns {Promise<any>}
 */
export async function request(path, { token, method = "GET", body } = {}) {
  /** @type {Record<string, string>} */
  const headers = { accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, cache: "no-store", credentials: "omit" });
  } catch {
    throw new ApiError(0, "unavailable", "The control plane did not answer.");
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = data?.error;
    const retryAfter = Number(response.headers.get("retry-after"));
    throw new ApiError(
      response.status,
      error?.code ?? "internal",
      error?.message ?? `HTTP ${response.status}`,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
    );
  }
  return data;
}

/**
 * Calls with the client token. A 401 means the token stopped working (regenerated, client deleted): the session
 * is dropped and the browser goes to sign-in, so a page never keeps showing data to a token that lost access.
 */
export function clientApi(session) {
  /** @param {string} path @param {Omit<RequestOptions, "token">} [options] */
  return async (path, options = {}) => {
    try {
      return await request(path, { ...options, token: session.token });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        clearClientSession();
        goToSignIn("expired");
      }
      throw error;
    }
  };
}

/** `/api/client/:clientId/agents` with `{clientId: "c1"}` → `/api/client/c1/agents`. */
export function expandPath(template, values) {
  return template.replace(/:(\w+)/g, (_match, name) => encodeURIComponent(values[name] ?? ""));
}

/** A short sentence for a failed read or action. */
export function describeError(error) {
  if (error instanceof ApiError) {
    if (error.status === 429 && error.retryAfterSeconds) {
      return `Too many attempts: try again in ${error.retryAfterSeconds} s.`;
    }
    return error.message;
  }
  return "Something went wrong in this page.";
}
