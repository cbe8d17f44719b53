import type { Compilable, Kysely } from "kysely";
import type { SqliteDatabase } from "../open-sqlite-file.js";
import type { Dialect } from "../schema/store-migration.js";
import type { Database } from "./database.js";
import type { Reuse } from "./sqlite-read-cache.js";
import type { StoreBinding } from "./store-binding.js";

/** A named parameter's place in a query built once: Kysely keeps it as the value of a parameter. */
class Placeholder {
  constructor(readonly name: string) {}
}

/** Hands out the placeholders of a query's parameters while it is built (typed as the values they stand for). */
export type Param<P> = <K extends keyof P & string>(name: K) => P[K];

type Slot = { name: string } | { value: unknown };

/** A better-sqlite3 statement, with positional arguments. */
interface Statement {
  all(...args: unknown[]): unknown[];
  get(...args: unknown[]): unknown;
  run(...args: unknown[]): { changes: number };
}

interface Compiled {
  sql: string;
  slots: Slot[];
  statements: WeakMap<SqliteDatabase, Statement>;
}

/** Numbers the queries, whose reused answers are kept under their number. */
let queries = 0;

/**
 * A query of the hottest paths, written once with Kysely for both dialects. On SQLite it is built and compiled
 * once, then runs as a prepared better-sqlite3 statement on the binding's connection: building, compiling and
 * passing through Kysely's connection mutex cost several times what running such a short query costs (a
 * force-switch runs a dozen of them; npm run bench, push). On PostgreSQL it is built with the values and run by
 * Kysely as any other query, where that cost is noise beside the round trip.
 */
abstract class PreparedQuery<P, Q extends Compilable> {
  private readonly compiled = new Map<Dialect, Compiled>();
  /** Tells this query's cached answers from others' (with how they were read: rows or first row). */
  private readonly id = ++queries;

  constructor(
    private readonly build: (db: Kysely<Database>, param: Param<P>, dialect: Dialect) => Q,
    /** A read whose answer is reused while nothing is written (SQLite, outside transactions: SqliteReadCache). */
    private readonly reuse?: Reuse,
  ) {}

  protected query(binding: StoreBinding, params: P): Q {
    return this.build(binding.db, (name) => params[name], binding.dialect);
  }

  /** On SQLite: the prepared statement and its arguments, run inside the binding's turn on the connection. */
  protected onSqlite<T>(
    binding: StoreBinding,
    params: P,
    how: "all" | "first" | "run",
    run: (statement: Statement, args: unknown[]) => T,
  ): Promise<T> | undefined {
    const { sqlite } = binding;
    if (!sqlite) return undefined;
    const compiled = this.compile(binding);
    let statement = compiled.statements.get(sqlite.file);
    if (!statement) {
      const made = sqlite.file.prepare(compiled.sql);
      if (this.reuse && !made.readonly) throw new Error(`a reused query must only read: ${compiled.sql}`);
      statement = made as unknown as Statement;
      compiled.statements.set(sqlite.file, statement);
    }
    const prepared = statement;
    const values = params as Record<string, unknown>;
    const args = compiled.slots.map((slot) => ("name" in slot ? values[slot.name] : slot.value));
    const { reads } = sqlite;
    const { reuse } = this;
    if (reuse && reads && !sqlite.file.inTransaction) {
      const key = `${this.id}${how}${JSON.stringify(args)}`;
      return sqlite.run(() => reads.read(key, reuse, () => run(prepared, args)));
    }
    return sqlite.run(() => run(prepared, args));
  }

  private compile(binding: StoreBinding): Compiled {
    let compiled = this.compiled.get(binding.dialect);
    if (!compiled) {
      const placeholders = this.build(
        binding.db,
        (name) => new Placeholder(name) as never,
        binding.dialect,
      ).compile();
      compiled = {
        sql: placeholders.sql,
        slots: placeholders.parameters.map((value) =>
          value instanceof Placeholder ? { name: value.name } : { value },
        ),
        statements: new WeakMap(),
      };
      this.compiled.set(binding.dialect, compiled);
    }
    return compiled;
  }
}

interface Selecting<Row> extends Compilable {
  execute(): Promise<Row[]>;
}

/**
 * A prepared SELECT (or a write with RETURNING): its rows, or its first row. Made with `reuse` (reads only), its
 * answer on SQLite outside a transaction is the one last read with the same parameters while nothing was written
 * since: the rows are then shared, so callers map them to new objects and never change them.
 */
export class PreparedSelect<P, Row> extends PreparedQuery<P, Selecting<Row>> {
  all(binding: StoreBinding, params: P): Promise<Row[]> {
    return (
      this.onSqlite(binding, params, "all", (statement, args) => statement.all(...args) as Row[]) ??
      this.query(binding, params).execute()
    );
  }

  first(binding: StoreBinding, params: P): Promise<Row | undefined> {
    return (
      this.onSqlite(
        binding,
        params,
        "first",
        (statement, args) => statement.get(...args) as Row | undefined,
      ) ??
      this.query(binding, params)
        .execute()
        .then((rows) => rows[0])
    );
  }
}

interface Writing extends Compilable {
  executeTakeFirst(): Promise<{ numUpdatedRows: bigint } | { numInsertedOrUpdatedRows?: bigint }>;
}

/** A prepared UPDATE (or INSERT, DELETE): how many rows it changed. */
export class PreparedWrite<P> extends PreparedQuery<P, Writing> {
  constructor(build: (db: Kysely<Database>, param: Param<P>, dialect: Dialect) => Writing) {
    super(build);
  }

  run(binding: StoreBinding, params: P): Promise<number> {
    return (
      this.onSqlite(binding, params, "run", (statement, args) => statement.run(...args).changes) ??
      this.query(binding, params)
        .executeTakeFirst()
        .then((result) =>
          Number("numUpdatedRows" in result ? result.numUpdatedRows : (result.numInsertedOrUpdatedRows ?? 0)),
        )
    );
  }
}
