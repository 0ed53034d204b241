// The pool that received files are assembled in (src/http/buffer-pool.ts).
import { describe, expect, test } from 'bun:test';
import { createBufferPool } from '../../src/http/buffer-pool.ts';

describe('the buffer pool', () => {
  test('hands out a power of two at least as large as asked, and not below its smallest', () => {
    const pool = createBufferPool({ maxFreeBytes: 1 << 24, minBytes: 65_536 });
    expect(pool.take(4_000_200).byteLength).toBe(4 * 1024 * 1024);
    expect(pool.take(4 * 1024 * 1024).byteLength).toBe(4 * 1024 * 1024);
    expect(pool.take(100).byteLength).toBe(65_536);
  });

  test('gives a returned buffer out again instead of new memory', () => {
    const pool = createBufferPool({ maxFreeBytes: 1 << 24 });
    const first = pool.take(300_000);
    first[0] = 42;
    pool.give(first);
    expect(pool.freeBytes).toBe(first.byteLength);
    const again = pool.take(262_145);
    expect(again).toBe(first);
    expect(pool.freeBytes).toBe(0);
    // Another size class is new memory.
    expect(pool.take(100_000)).not.toBe(first);
  });

  test('keeps no more free memory than its limit, and never the same buffer twice', () => {
    const pool = createBufferPool({ maxFreeBytes: 3 * 1024 * 1024 });
    const buffers = [
      pool.take(1 << 20),
      pool.take(1 << 20),
      pool.take(1 << 20),
      pool.take(1 << 20),
    ];
    for (const buffer of buffers) pool.give(buffer);
    expect(pool.freeBytes).toBe(3 * 1024 * 1024);
    pool.give(buffers[0]!);
    expect(pool.freeBytes).toBe(3 * 1024 * 1024);
    const taken = new Set([pool.take(1 << 20), pool.take(1 << 20), pool.take(1 << 20)]);
    expect(taken.size).toBe(3);
    expect(pool.freeBytes).toBe(0);
  });

  test('refuses views and buffers it could not have made', () => {
    const pool = createBufferPool({ maxFreeBytes: 1 << 24 });
    const whole = pool.take(1 << 20);
    pool.give(whole.subarray(0, 1 << 19));
    pool.give(new Uint8Array(new ArrayBuffer(1 << 21), 1 << 20));
    pool.give(new Uint8Array(100_000));
    expect(pool.freeBytes).toBe(0);
  });
});
