import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/cli-process.js";
import { DbFingerprint } from "../support/db-fingerprint.js";
import { rest } from "../support/rest.js";
import { startServerProcess } from "../support/server-process.js";

const CLI = join(REPO_ROOT, "src/bin/spot-optimizer.js");
const ADMIN = "backup-test-admin-token-0123456789";
const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), "spot-backup-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function backup(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, "backup", ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

const createClient = (url: string, name: string) =>
  rest(url, "POST", "/api/admin/clients/create", { token: ADMIN, body: { name } });

/** Restore as the README says: the backup becomes <data dir>/spot-optimizer.db of a stopped server. */
function restoreInto(file: string): string {
  const dataDir = mkdtempSync(join(scratch, "restored-"));
  copyFileSync(file, join(dataDir, "spot-optimizer.db"));
  return dataDir;
}

describe("spot-optimizer backup and restore", () => {
  it("copies the store consistently while the server serves and writes, and the copy serves the same data", async () => {
    const dataDir = mkdtempSync(join(scratch, "live-"));
    const server = await startServerProcess({ dataDir, env: { SPOT_ADMIN_TOKEN: ADMIN } });
    let restored: Awaited<ReturnType<typeof startServerProcess>> | undefined;
    try {
      const acme = await createClient(server.httpUrl, "Acme");
      expect(acme.status).toBe(201);

      // Clients keep arriving, one transaction each, while the backup runs.
      let writing = true;
      const created: string[] = [];
      const writer = (async () => {
        for (let n = 0; writing; n += 1) {
          const answer = await createClient(server.httpUrl, `client-${n}`);
          if (answer.status === 201) created.push(answer.body.client.id);
        }
      })();
      while (created.length < 5) await new Promise((resolve) => setTimeout(resolve, 20));
      const before = created.length;
      const during = await backup(["--to", join(scratch, "during.db")], { SPOT_DATA_DIR: dataDir });
      const after = created.length;
      writing = false;
      await writer;
      expect(during.stderr).toBe("");
      expect(during.code).toBe(0);
      expect(during.stdout).toMatch(/^backed up .*spot-optimizer\.db to .*during\.db: \d+ pages, [\d.]+ MB/);

      // The copy is whole: every client created before the backup began, none half-written, a prefix of the rest.
      const copy = new Database(join(scratch, "during.db"), { readonly: true });
      expect(copy.pragma("integrity_check", { simple: true })).toBe("ok");
      const ids = new Set(
        (copy.prepare("SELECT id FROM clients").all() as Array<{ id: string }>).map((r) => r.id),
      );
      copy.close();
      expect(ids.has(acme.body.client.id)).toBe(true);
      for (const id of created.slice(0, before)) expect(ids.has(id)).toBe(true);
      const inCopy = created.filter((id) => ids.has(id)).length;
      expect(created.slice(0, inCopy).every((id) => ids.has(id))).toBe(true);
      expect(inCopy).toBeLessThanOrEqual(after + 1);
      expect(existsSync(join(scratch, "during.db-wal"))).toBe(false);

      // Quiet now: a second backup equals the store, table by table, and a server on it serves the same answers.
      const quiet = await backup(["--data-dir", dataDir, "--to", join(scratch, "quiet.db")]);
      expect(quiet.code).toBe(0);
      const listed = await rest(server.httpUrl, "GET", "/api/admin/clients", { token: ADMIN });
      const token = acme.body.client.token as string;
      const acmeView = await rest(server.httpUrl, "GET", "/api/client/validate", { token });
      await server.stop();

      const original = await DbFingerprint.ofSqliteFile(join(dataDir, "spot-optimizer.db"));
      const backedUp = await DbFingerprint.ofSqliteFile(join(scratch, "quiet.db"));
      expect(DbFingerprint.differences(await original.take(), await backedUp.take())).toEqual([]);
      await original.close();
      await backedUp.close();

      restored = await startServerProcess({
        dataDir: restoreInto(join(scratch, "quiet.db")),
        env: { SPOT_ADMIN_TOKEN: ADMIN },
      });
      expect((await rest(restored.httpUrl, "GET", "/api/admin/clients", { token: ADMIN })).body).toEqual(
        listed.body,
      );
      // The client's token (stored as a digest) still works against the restored copy.
      const again = await rest(restored.httpUrl, "GET", "/api/client/validate", { token });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(acmeView.body);
    } finally {
      await restored?.stop();
      await server.stop();
    }
  }, 120_000);

  it("refuses clearly: no --to, no store, a missing directory", async () => {
    const empty = mkdtempSync(join(scratch, "empty-"));
    const cases: Array<[string[], RegExp]> = [
      [["--data-dir", empty], /backup needs --to FILE/],
      [["--data-dir", empty, "--to", join(scratch, "x.db")], /no store at .*spot-optimizer\.db/],
      [["--bogus"], /Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const result = await backup(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    const dataDir = mkdtempSync(join(scratch, "small-"));
    const server = await startServerProcess({ dataDir, env: { SPOT_ADMIN_TOKEN: ADMIN } });
    try {
      const missingDir = await backup(["--data-dir", dataDir, "--to", join(scratch, "nowhere", "x.db")]);
      expect(missingDir.code).toBe(2);
      expect(missingDir.stderr).toMatch(/no directory .*nowhere for the backup/);
    } finally {
      await server.stop();
    }
  }, 60_000);
});
