import { Command } from "@commander-js/extra-typings";

export const BACKUP_HELP = `Usage: spot-optimizer backup --to FILE [--data-dir DIR]

Writes a consistent copy of the SQLite store to FILE while the server may be serving (SQLite's online backup).
The store is found as serve finds it: --data-dir, else SPOT_DATA_DIR, else ./data. FILE is replaced only by a
complete, checked copy. To restore: stop the server, copy FILE to <data dir>/spot-optimizer.db, remove
spot-optimizer.db-wal and spot-optimizer.db-shm beside it, start the server.

  --to FILE          where to write the backup (required)
  --data-dir DIR     the server's data directory (SPOT_DATA_DIR; default ./data)
  -h, --help         show this help
`;

/** `spot-optimizer backup --to FILE [--data-dir DIR]`: its options are described in BACKUP_HELP. */
export function backupCommand(fail: (message: string) => never) {
  const command = new Command("backup")
    .summary("copy the SQLite store consistently, while the server runs")
    .option("--to <file>")
    .option("--data-dir <dir>");
  return command.action(async (options) => {
    const { runBackupCommand } = await import("../backup-command.js");
    await runBackupCommand(options, fail);
  });
}
