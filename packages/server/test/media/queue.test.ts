import { describe, expect, test } from 'bun:test';
import { createWorkQueue } from '../../src/media/queue.ts';

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every already-settled promise callback run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('createWorkQueue', () => {
  test('never runs more than `concurrency` tasks, and starts them in arrival order', async () => {
    const queue = createWorkQueue(2);
    const gates = Array.from({ length: 6 }, deferred);
    const started: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const results = gates.map((gate, i) =>
      queue.run(async () => {
        started.push(i);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await gate.promise;
        inFlight--;
        return i * 10;
      }),
    );
    await settle();
    expect(started).toEqual([0, 1]);
    expect([queue.active, queue.waiting]).toEqual([2, 4]);

    gates[1]!.resolve();
    await settle();
    expect(started).toEqual([0, 1, 2]);
    expect([queue.active, queue.waiting]).toEqual([2, 3]);

    for (const gate of gates) gate.resolve();
    expect(await Promise.all(results)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(maxInFlight).toBe(2);
    expect([queue.active, queue.waiting]).toEqual([0, 0]);
  });

  test('a failing task frees its slot and its error reaches the caller', async () => {
    const queue = createWorkQueue(1);
    const gate = deferred();
    const failing = queue.run(async () => {
      await gate.promise;
      throw new Error('boom');
    });
    const throwsSync = queue.run((): Promise<number> => {
      throw new Error('sync boom');
    });
    const next = queue.run(async () => 'ran');
    await settle();
    expect(queue.waiting).toBe(2);
    gate.resolve();
    const [a, b, c] = await Promise.allSettled([failing, throwsSync, next]);
    expect(a.status === 'rejected' && (a.reason as Error).message).toBe('boom');
    expect(b.status === 'rejected' && (b.reason as Error).message).toBe('sync boom');
    expect(c).toEqual({ status: 'fulfilled', value: 'ran' });
    expect([queue.active, queue.waiting]).toEqual([0, 0]);
  });

  test('concurrency 1 serialises; an invalid concurrency is refused', async () => {
    const queue = createWorkQueue(1);
    const order: string[] = [];
    const first = deferred();
    const a = queue.run(async () => {
      order.push('a start');
      await first.promise;
      order.push('a end');
    });
    const b = queue.run(async () => {
      order.push('b start');
    });
    await settle();
    expect(order).toEqual(['a start']);
    first.resolve();
    await Promise.all([a, b]);
    expect(order).toEqual(['a start', 'a end', 'b start']);
    expect(() => createWorkQueue(0)).toThrow(RangeError);
    expect(() => createWorkQueue(1.5)).toThrow(RangeError);
  });

  test('defaults to the number of cores', async () => {
    const { availableParallelism } = await import('node:os');
    const queue = createWorkQueue();
    const gates = Array.from({ length: availableParallelism() + 1 }, deferred);
    const runs = gates.map((g) => queue.run(() => g.promise));
    await settle();
    expect([queue.active, queue.waiting]).toEqual([availableParallelism(), 1]);
    for (const g of gates) g.resolve();
    await Promise.all(runs);
  });
});
