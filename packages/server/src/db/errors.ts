// What the database drivers throw, translated into the few failures the rest of the
// server acts on. Drizzle wraps driver errors (DrizzleQueryError), so causes are walked.

/** The database cannot be reached or refused the connection (PostgreSQL restarting). */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

/** The database has no room left to write (SQLite's disk, PostgreSQL's 53100). */
export class DatabaseFullError extends Error {
  override name = 'DatabaseFullError';
}

interface DriverError {
  message?: string;
  code?: string;
  errno?: string | number;
  constraint_name?: string;
  cause?: unknown;
}

function* chain(error: unknown): Iterable<DriverError> {
  const seen = new Set<unknown>();
  for (let e = error; e && typeof e === 'object' && !seen.has(e); e = (e as DriverError).cause) {
    seen.add(e);
    yield e as DriverError;
  }
}

// postgres.js connection failures, and SQLSTATE classes 08 (connection exception) and
// 57P (operator intervention: shutdown, crash, cannot connect now).
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

export function translateDatabaseError(error: unknown): unknown {
  if (error instanceof DatabaseUnavailableError || error instanceof DatabaseFullError) return error;
  for (const e of chain(error)) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (code === 'SQLITE_FULL' || code === '53100' || code === 'ENOSPC') {
      return new DatabaseFullError('No space left for the database');
    }
    if (UNAVAILABLE_CODES.has(code) || code.startsWith('08') || code.startsWith('57P')) {
      return new DatabaseUnavailableError(`Database unavailable (${code})`);
    }
  }
  return error;
}

/**
 * A unique index refused a row. PostgreSQL names the index (`constraint_name`); SQLite
 * names its columns in the message (`UNIQUE constraint failed: images.date_path, ...`).
 */
export function isUniqueViolation(error: unknown, index: string, sqliteColumns: string): boolean {
  for (const e of chain(error)) {
    if (e.code === '23505' && e.constraint_name === index) return true;
    if (e.message?.includes(`UNIQUE constraint failed: ${sqliteColumns}`)) return true;
  }
  return false;
}
