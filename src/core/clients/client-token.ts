import { hash, randomBytes } from "node:crypto";

const TOKEN_PREFIX_LENGTH = 12;

/** A new client token: 32 random bytes, URL-safe, recognisable by its prefix in logs and secret scanners. */
export function generateClientToken(): string {
  return `spot_${randomBytes(32).toString("base64url")}`;
}

/**
 * Tokens are stored as SHA-256 digests: they are high-entropy, so a fast hash is enough and lookups stay O(1).
 * One-shot `hash` (UTF-8, as `createHash().update()` would read the string): every client call digests its token,
 * and the one-shot form costs less than half of making a Hash object.
 */
export function hashToken(token: string): string {
  return hash("sha256", token, "hex");
}

export function tokenPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX_LENGTH);
}
