import { createHash, randomBytes } from "node:crypto";

const TOKEN_PREFIX_LENGTH = 12;

/** A new client token: 32 random bytes, URL-safe, recognisable by its prefix in logs and secret scanners. */
export function generateClientToken(): string {
  return `spot_${randomBytes(32).toString("base64url")}`;
}

/** Tokens are stored as SHA-256 digests: they are high-entropy, so a fast hash is enough and lookups stay O(1). */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function tokenPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX_LENGTH);
}
