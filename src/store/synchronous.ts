/**
 * A repository port as the SQLite store writes it: better-sqlite3 answers at once, so each method returns its
 * value and the store adds the contract's promise (see `promised`). Derived from the port, so the two cannot drift.
 */
export type Synchronous<R> = {
  [K in keyof R]: R[K] extends (...args: infer A) => Promise<infer T> ? (...args: A) => T : R[K];
};

/** How a promised repository runs one call of its synchronous original. */
export type Invoke = (
  method: (...args: unknown[]) => unknown,
  self: object,
  args: unknown[],
) => Promise<unknown>;

/** The port `R` over its synchronous implementation: every method runs through `invoke`. */
export function promised<R extends object>(raw: Synchronous<R>, invoke: Invoke): R {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(raw)) {
    if (typeof method !== "function") continue;
    wrapped[name] = (...args: unknown[]) => invoke(method as (...args: unknown[]) => unknown, raw, args);
  }
  return wrapped as R;
}
