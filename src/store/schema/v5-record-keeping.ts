import type { StoreMigration } from "./store-migration.js";

export const recordKeeping: StoreMigration = {
  name: "record keeping: last cleanup and its kind, last replica sync",
  sql: {
    sqlite: `
-- When the agent last reported a cleanup, and what each cleanup covered (the original's cleanup_type).
ALTER TABLE agents ADD COLUMN last_cleanup_at INTEGER;
ALTER TABLE cleanup_logs ADD COLUMN kind TEXT NOT NULL DEFAULT 'full' CHECK (kind IN ('snapshots', 'amis', 'full'));
-- When the agent last reported a replica's sync state.
ALTER TABLE replicas ADD COLUMN last_sync_at INTEGER;
`,
    postgres: `
-- When the agent last reported a cleanup, and what each cleanup covered (the original's cleanup_type).
ALTER TABLE agents ADD COLUMN last_cleanup_at BIGINT;
ALTER TABLE cleanup_logs ADD COLUMN kind TEXT NOT NULL DEFAULT 'full' CHECK (kind IN ('snapshots', 'amis', 'full'));
-- When the agent last reported a replica's sync state.
ALTER TABLE replicas ADD COLUMN last_sync_at BIGINT;
`,
  },
};
