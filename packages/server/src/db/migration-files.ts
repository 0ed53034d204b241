import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../crypto.ts';

/** One generated migration: its statements, and what Drizzle's bookkeeping table records. */
export interface MigrationFile {
  sql: string[];
  /** sha256 of the file, in hex. */
  hash: string;
  /** The journal's `when`: migrations after the last recorded one are pending. */
  folderMillis: number;
}

interface Journal {
  entries: Array<{ when: number; tag: string }>;
}

/**
 * Reads a drizzle-kit migrations folder the way drizzle-orm's readMigrationFiles does
 * (a test holds them equal), on Bun's sha256: Drizzle's reader loads node:crypto, which
 * would cost every start about 10 ms (README: Performance).
 */
export function readMigrationFiles(folder: string): MigrationFile[] {
  const journal = JSON.parse(
    readFileSync(join(folder, 'meta', '_journal.json'), 'utf8'),
  ) as Journal;
  return journal.entries.map((entry) => {
    const text = readFileSync(join(folder, `${entry.tag}.sql`), 'utf8');
    return {
      sql: text.split('--> statement-breakpoint'),
      hash: sha256Hex(text),
      folderMillis: entry.when,
    };
  });
}
