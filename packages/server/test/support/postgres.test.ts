import { describe, expect, test } from 'bun:test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPostgres } from './postgres.ts';
import { childPids, isAlive } from './process.ts';

const postmasterPid = (dataDir: string) =>
  Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

describe('startPostgres', () => {
  test('serves the upshot database on loopback, survives restart and kill, and leaves nothing behind', async () => {
    const pg = await startPostgres();
    let pids: number[] = [];
    try {
      expect(pg.url).toBe(`postgres://postgres@127.0.0.1:${pg.port}/upshot`);
      expect(await pg.query('select 1')).toBe('1\n');
      expect(await pg.query('select current_database()')).toBe('upshot\n');
      await pg.query('create table marks (n int); insert into marks values (42)');

      const before = postmasterPid(pg.dataDir);
      await pg.restart();
      const after = postmasterPid(pg.dataDir);
      expect(after).not.toBe(before);
      expect(isAlive(before)).toBe(false);
      expect(await pg.query('select n from marks')).toBe('42\n');

      // A crash: everything SIGKILLed; restart() runs crash recovery on the same data.
      await pg.kill();
      expect(isAlive(after)).toBe(false);
      await expect(pg.query('select 1')).rejects.toThrow();
      await pg.restart();
      expect(await pg.query('select n from marks')).toBe('42\n');

      const postmaster = postmasterPid(pg.dataDir);
      pids = [postmaster, ...(await childPids(postmaster))];
      expect(pids.length).toBeGreaterThan(1);
    } finally {
      await pg.stop();
    }
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(existsSync(pg.dataDir)).toBe(false);
    await pg.stop(); // twice is harmless
  });

  test('two clusters run side by side on different ports', async () => {
    const [a, b] = await Promise.all([startPostgres(), startPostgres()]);
    try {
      expect(a.port).not.toBe(b.port);
      await a.query('create table only_in_a (n int)');
      expect(await b.query("select count(*) from pg_tables where tablename = 'only_in_a'")).toBe(
        '0\n',
      );
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
