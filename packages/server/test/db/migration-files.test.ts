import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { readMigrationFiles as drizzleRead } from 'drizzle-orm/migrator';
import { readMigrationFiles } from '../../src/db/migration-files.ts';
import { MIGRATIONS_DIR } from '../../src/paths.ts';

describe('reading the generated migrations', () => {
  test.each(['sqlite', 'pg'])(
    '%s: the same statements, hashes and times as Drizzle reads',
    (dialect) => {
      const folder = join(MIGRATIONS_DIR, dialect);
      const ours = readMigrationFiles(folder);
      const theirs = drizzleRead({ migrationsFolder: folder }).map(
        ({ sql, hash, folderMillis }) => ({
          sql,
          hash,
          folderMillis,
        }),
      );
      expect(ours.length).toBeGreaterThan(5);
      expect(ours).toEqual(theirs);
    },
  );
});
