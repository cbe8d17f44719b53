import { Command } from "@commander-js/extra-typings";
import { MIGRATE_STORE_HELP } from "../store/move/migrate-store-help.js";

export { MIGRATE_STORE_HELP };

/** `spot-optimizer migrate-store --from FILE --to URL`: its options are described in MIGRATE_STORE_HELP. */
export function migrateStoreCommand(fail: (message: string) => never) {
  const command = new Command("migrate-store")
    .summary("move a deployment's state from its SQLite file to PostgreSQL")
    .option("--from <file>")
    .option("--to <url>")
    .option("--batch-rows <n>");
  return command.action(async (options) => {
    const { runMigrateStoreCommand } = await import("../store/move/migrate-store-command.js");
    const code = await runMigrateStoreCommand(options, fail);
    if (code !== 0) process.exit(code);
  });
}
