import type Database from "better-sqlite3";

/** Tables of the store that are copied (the migration record is the target's own). */
const NOT_COPIED = new Set(["store_migrations"]);

/**
 * The source's tables in an order where every table comes after the tables its foreign keys point to, so
 * each batch can be inserted into a database that checks foreign keys at once.
 */
export function tablesInDependencyOrder(source: Database.Database): string[] {
  const names = (
    source
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all() as Array<{ name: string }>
  )
    .map((row) => row.name)
    .filter((name) => !NOT_COPIED.has(name));
  const parents = new Map(
    names.map((name) => [
      name,
      new Set(
        (
          source.prepare('SELECT "table" AS parent FROM pragma_foreign_key_list(?)').all(name) as Array<{
            parent: string;
          }>
        )
          .map((row) => row.parent)
          .filter((parent) => parent !== name),
      ),
    ]),
  );
  const ordered: string[] = [];
  const placed = new Set<string>();
  while (ordered.length < names.length) {
    const ready = names.filter(
      (name) => !placed.has(name) && [...(parents.get(name) ?? [])].every((parent) => placed.has(parent)),
    );
    if (ready.length === 0) {
      const left = names.filter((name) => !placed.has(name));
      throw new Error(`the foreign keys of ${left.join(", ")} form a cycle: no copy order exists`);
    }
    for (const name of ready) {
      ordered.push(name);
      placed.add(name);
    }
  }
  return ordered;
}
