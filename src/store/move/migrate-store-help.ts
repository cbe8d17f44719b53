/** The help text of `spot-optimizer migrate-store` (apart, so that --help loads no database driver). */
export const MIGRATE_STORE_HELP = `Usage: spot-optimizer migrate-store --from <sqlite file> --to <postgres url>

Moves a deployment from its SQLite file to PostgreSQL: creates the schema in the (empty) target database, copies
every table in one transaction (parents first, in batches), checks each table's row count against the source,
and makes the target's id sequences continue after the copied ids. Stop the control plane first: the copy reads
one snapshot of the file, so writes made during the copy would not be in it. The file is brought up to this
build's schema first, as 'spot-optimizer serve' would do.

  --from <file>       the SQLite file (e.g. ./data/spot-optimizer.db)
  --to <url>          postgres://user:password@host:5432/database, an existing and empty database
  --batch-rows <n>    rows per INSERT (default 1000)
  -h, --help          show this help

Exit codes: 0 copied and the row counts match; 2 a bad option, no such file, or a target that cannot be used;
3 the target already holds data (nothing copied); 4 a row count differs after the copy (nothing kept);
1 any other failure (nothing kept).
`;
