import { describe, expect, test } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { openSqlite } from '../src/db/database.ts';
import { createRepositories } from '../src/db/repositories/index.ts';
import { initInstance } from '../src/services/instance.ts';
import { hashSecret } from '../src/services/keys.ts';

describe('first start and restarts', () => {
  test('salt, guest key and admin are made once and kept in the SQLite file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'upshot-instance-'));
    try {
      const file = join(dir, 'upshot.sqlite');
      const config = loadConfig({ UPSHOT_DATA_DIR: dir });
      const first = await openSqlite(file);
      const repos = createRepositories(first);
      const a = await initInstance(config, repos);
      expect(a.guestKey).toMatch(/^[0-9a-f]{64}$/);
      expect(a.generatedAdminKey).toMatch(/^chv_[A-Za-z0-9]+_[0-9a-f]{64}$/);
      expect((await repos.keys.find(hashSecret(a.generatedAdminKey!)))?.user).toMatchObject({
        username: 'admin',
        isAdmin: true,
      });
      // Only the hash is stored.
      const handle = first.sqlite!.handle;
      const stored = handle.query('SELECT key_hash FROM api_keys').all() as {
        key_hash: string;
      }[];
      expect(stored.map((r) => r.key_hash)).toEqual([hashSecret(a.generatedAdminKey!)]);
      expect(handle.query('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
      // An acknowledged upload survives power loss: whatever an operation committed is
      // synced to disk (the WAL, off the event loop) before the operation resolves.
      const syncs = first.sqlite!.walSyncs;
      expect(syncs).toBeGreaterThan(0);
      await repos.settings.ensure('test_setting', 'a');
      expect(first.sqlite!.walSyncs).toBe(syncs + 1);
      await repos.users.count();
      expect(first.sqlite!.walSyncs).toBe(syncs + 1);
      await first.close();

      const second = await openSqlite(file);
      const b = await initInstance(config, createRepositories(second));
      expect(b.guestKey).toBe(a.guestKey);
      expect(b.sessionSecret).toBe(a.sessionSecret);
      expect(b.generatedAdminKey).toBeNull();
      expect(b.ids.encode(12345)).toBe(a.ids.encode(12345));
      expect(await createRepositories(second).users.count()).toBe(1);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('UPSHOT_ADMIN_KEY is accepted exactly as given, and env keys and salt win', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'upshot-instance-'));
    try {
      const key = 'any form at all, 32 chars or more!!';
      const database = await openSqlite(join(dir, 'db.sqlite'));
      const config = loadConfig({
        UPSHOT_ADMIN_KEY: key,
        UPSHOT_GUEST_KEY: 'g'.repeat(40),
        UPSHOT_ID_SALT: '',
        UPSHOT_ID_PADDING: '999',
      });
      const repos = createRepositories(database);
      const instance = await initInstance(config, repos);
      expect(instance.generatedAdminKey).toBeNull();
      expect(instance.guestKey).toBe('g'.repeat(40));
      expect((await repos.keys.find(hashSecret(key)))?.user.username).toBe('admin');
      await database.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
