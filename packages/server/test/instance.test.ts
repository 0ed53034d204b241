import { describe, expect, test } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';
import { createRepository } from '../src/db/repository.ts';
import { initInstance } from '../src/instance.ts';
import { hashSecret } from '../src/modules/keys/keys.ts';

describe('first start and restarts', () => {
  test('salt, guest key and admin are made once and kept in the SQLite file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'upshot-instance-'));
    try {
      const file = join(dir, 'upshot.sqlite');
      const config = loadConfig({ UPSHOT_DATA_DIR: dir });
      const first = openDatabase(file);
      const a = initInstance(config, createRepository(first.db));
      expect(a.guestKey).toMatch(/^[0-9a-f]{64}$/);
      expect(a.generatedAdminKey).toMatch(/^chv_[A-Za-z0-9]+_[0-9a-f]{64}$/);
      const repo = createRepository(first.db);
      expect(repo.findApiKey(hashSecret(a.generatedAdminKey!))?.user).toMatchObject({
        username: 'admin',
        isAdmin: true,
      });
      // Only the hash is stored.
      const stored = first.sqlite.query('SELECT key_hash FROM api_keys').all() as {
        key_hash: string;
      }[];
      expect(stored.map((r) => r.key_hash)).toEqual([hashSecret(a.generatedAdminKey!)]);
      expect(first.sqlite.query('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
      first.sqlite.close();

      const second = openDatabase(file);
      const b = initInstance(config, createRepository(second.db));
      expect(b.guestKey).toBe(a.guestKey);
      expect(b.generatedAdminKey).toBeNull();
      expect(b.ids.encode(12345)).toBe(a.ids.encode(12345));
      expect(createRepository(second.db).countUsers()).toBe(1);
      second.sqlite.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('UPSHOT_ADMIN_KEY is accepted exactly as given, and env keys and salt win', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'upshot-instance-'));
    try {
      const key = 'any form at all, 32 chars or more!!';
      const { db, sqlite } = openDatabase(join(dir, 'db.sqlite'));
      const config = loadConfig({
        UPSHOT_ADMIN_KEY: key,
        UPSHOT_GUEST_KEY: 'g'.repeat(40),
        UPSHOT_ID_SALT: '',
        UPSHOT_ID_PADDING: '999',
      });
      const instance = initInstance(config, createRepository(db));
      expect(instance.generatedAdminKey).toBeNull();
      expect(instance.guestKey).toBe('g'.repeat(40));
      expect(createRepository(db).findApiKey(hashSecret(key))?.user.username).toBe('admin');
      sqlite.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
