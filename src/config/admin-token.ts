import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface AdminTokenSource {
  token: string;
  /** Where a generated token lives, or null when it came from the environment. */
  path: string | null;
  generated: boolean;
}

/** The configured token, or the one in `<dataDir>/admin-token`, created (mode 0600) on first start. */
export function resolveAdminToken(configured: string | null, dataDir: string): AdminTokenSource {
  if (configured) return { token: configured, path: null, generated: false };
  const path = join(dataDir, "admin-token");
  try {
    const token = readFileSync(path, "utf8").trim();
    if (token.length >= 16) return { token, path, generated: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const token = `spot_admin_${randomBytes(32).toString("base64url")}`;
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return { token, path, generated: true };
}
