import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { BackupError, backupSqliteStore } from "./store/sqlite-backup.js";

const HELP = `Usage: spot-optimizer backup --to FILE [--data-dir DIR]

Writes a consistent copy of the SQLite store to FILE while the server may be serving (SQLite's online backup).
The store is found as serve finds it: --data-dir, else SPOT_DATA_DIR, else ./data. FILE is replaced only by a
complete, checked copy. To restore: stop the server, copy FILE to <data dir>/spot-optimizer.db, remove
spot-optimizer.db-wal and spot-optimizer.db-shm beside it, start the server.

  --to FILE          where to write the backup (required)
  --data-dir DIR     the server's data directory (SPOT_DATA_DIR; default ./data)
  -h, --help         show this help
`;

export async function runBackupCommand(argv: string[], fail: (message: string) => never): Promise<void> {
  let values: { to?: string; "data-dir"?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        to: { type: "string" },
        "data-dir": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (error) {
    fail(`${(error as Error).message} (see spot-optimizer backup --help)`);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  if (!values.to?.trim()) fail("backup needs --to FILE (see spot-optimizer backup --help)");
  const dataDir = resolve(values["data-dir"]?.trim() || process.env.SPOT_DATA_DIR?.trim() || "./data");
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
