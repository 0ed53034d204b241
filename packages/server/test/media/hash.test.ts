import { describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { md5 } from '../../src/media/hash.ts';

describe('md5', () => {
  test('matches a one-shot md5 for empty, small and multi-slice inputs', async () => {
    for (const size of [0, 1, 1024 * 1024, 3 * 1024 * 1024 + 17]) {
      const bytes = new Uint8Array(size).map((_, i) => (i * 2654435761) >>> 24);
      expect(await md5(bytes)).toBe(createHash('md5').update(bytes).digest('hex'));
    }
  });

  test('yields to the event loop between slices', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const done = md5(new Uint8Array(8 * 1024 * 1024));
    await done;
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });
});
