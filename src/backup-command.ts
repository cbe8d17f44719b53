import { resolve } from "node:path";
import { BackupError, backupSqliteStore } from "./store/sqlite-backup.js";

/** `spot-optimizer backup --to FILE`: exit 0 with the copy written, 2 when it cannot be made. */
export async function runBackupCommand(
  values: { to?: string; dataDir?: string },
  fail: (message: string) => never,
): Promise<void> {
  if (!values.to?.trim()) fail("backup needs --to FILE (see spot-optimizer backup --help)");
  const dataDir = resolve(values.dataDir?.trim() || process.env.SPOT_DATA_DIR?.trim() || "./data");
  try {
    const result = await backupSqliteStore(dataDir, values.to);
    const megabytes = (result.bytes / 1_048_576).toFixed(1);
    process.stdout.write(
      `backed up ${result.source} to ${result.destination}: ${result.pages} pages, ${megabytes} MB, schema version ${result.schemaVersion}, ${Math.round(result.durationMs)} ms\n`,
    );
  } catch (error) {
    if (error instanceof BackupError) fail(error.message);
    throw error;
  }
}
