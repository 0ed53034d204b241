// SQLite commits are made durable off the event loop (db/database.ts): an operation that
// wrote resolves only after an fdatasync of the WAL that covers it, and commits made
// while a sync runs share the next one.
import { Database as SqliteHandle } from 'bun:sqlite';
import { describe, expect, test } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/db/database.ts';
import { createRepositories } from '../../src/db/repositories/index.ts';

describe('SQLite durability', () => {
  test('parallel writes each resolve after a sync, and share syncs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'upshot-durable-'));
    try {
      const file = join(dir, 'db.sqlite');
      const database = await openSqlite(file);
      const repos = createRepositories(database);
      const before = database.sqlite!.walSyncs;
      let resolved = 0;
      const syncsSeen: number[] = [];
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          repos.settings.set(`k${i}`, `v${i}`).then(() => {
            resolved++;
            syncsSeen.push(database.sqlite!.walSyncs);
          }),
        ),
      );
      const syncs = database.sqlite!.walSyncs - before;
      expect(resolved).toBe(20);
      // Every write waited for a sync made after it...
      expect(syncsSeen.every((n) => n > before)).toBe(true);
      // ...and one sync covered several of them.
      expect(syncs).toBeGreaterThanOrEqual(1);
      expect(syncs).toBeLessThan(20);
      // A read of what was written waits for nothing new.
      expect(await repos.settings.get('k19')).toBe('v19');
      expect(database.sqlite!.walSyncs - before).toBe(syncs);
      // Another connection sees all of it.
      const other = new SqliteHandle(file, { readonly: true });
      expect(
        (
          other.query("SELECT count(*) AS n FROM settings WHERE key LIKE 'k%'").get() as {
            n: number;
          }
        ).n,
      ).toBe(20);
      other.close();
      await database.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
