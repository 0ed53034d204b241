// Queries built once and run many times: the hot reads of every upload (the key, the
// duplicate lookup, the name check). Building a query with Drizzle costs ~100 µs of the
// event loop each time, running a prepared one ~30 µs (README: Performance).
//
// A prepared query runs inside `database.run`, never in a transaction: it is built on the
// first database handle it is given, which on PostgreSQL is the pool, not a transaction's
// connection.
import { type Column, Param, sql } from 'drizzle-orm';
import type { Db } from './database.ts';

interface Executable<R> {
  execute(values: Record<string, unknown>): Promise<R> | R;
}

/** A query prepared on first use; run it with `database.run`'s handle and its placeholders' values. */
export function preparedQuery<V extends Record<string, unknown>, R>(
  build: (db: Db) => Executable<R>,
): (db: Db, values: V) => Promise<R> {
  let query: Executable<R> | null = null;
  return async (db, values) => {
    query ??= build(db);
    return query.execute(values);
  };
}

/**
 * A placeholder whose value is encoded as `column` encodes its values. Drizzle passes a
 * bare placeholder's value to the driver as it is, so a `Date` would reach SQLite or
 * PostgreSQL unencoded.
 */
export const placeholderOf = (name: string, column: Column): Param =>
  new Param(sql.placeholder(name), column);
