import { describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { startMariaDb } from './mariadb.ts';
import { isAlive } from './process.ts';

describe('startMariaDb', () => {
  test('serves the chevereto database to root on loopback and leaves nothing behind', async () => {
    const db = await startMariaDb();
    let socketDir = '';
    try {
      expect(db.url).toBe(`mysql://root@127.0.0.1:${db.port}/chevereto`);
      expect(await db.query('SELECT 1')).toBe('1\n');
      expect(await db.query('SELECT DATABASE()')).toBe('chevereto\n');
      await db.query(
        "CREATE TABLE chv_images (id INT PRIMARY KEY, name TEXT); INSERT INTO chv_images VALUES (1, 'cat')",
      );
      expect(await db.query('SELECT id, name FROM chv_images')).toBe('1\tcat\n');
      socketDir = (await db.query('SELECT @@socket')).trim().replace(/\/[^/]+$/, '');
      expect(existsSync(socketDir)).toBe(true);
      await expect(db.query('SELECT nope')).rejects.toThrow(/Unknown column/);
    } finally {
      await db.stop();
    }
    expect(isAlive(db.pid)).toBe(false);
    expect(existsSync(socketDir)).toBe(false);
    await db.stop();
  });
});
