// Bounded media work: at most `concurrency` pipelines run at once, the rest wait in
// arrival order. sharp and ffmpeg already use every core for one job, so running more
// jobs than cores only adds memory and latency.
import { availableParallelism } from 'node:os';

export interface WorkQueue {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks running now. */
  readonly active: number;
  /** Tasks queued behind them. */
  readonly waiting: number;
}

export interface WorkQueueOptions {
  /** Told how long each task waited for its slot, in seconds (the queue-wait metric). */
  onWait?: (seconds: number) => void;
}

export function createWorkQueue(
  concurrency: number = availableParallelism(),
  options: WorkQueueOptions = {},
): WorkQueue {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  let active = 0;
  // FIFO of resolvers; `head` avoids O(n) shifts under a long queue.
  const waiters: Array<() => void> = [];
  let head = 0;

  const release = (): void => {
    if (head < waiters.length) {
      const next = waiters[head]!;
      head += 1;
      if (head > 1024 && head * 2 > waiters.length) {
        waiters.splice(0, head);
        head = 0;
      }
      // The slot passes straight to the next task: `active` stays the same.
      next();
    } else {
      active -= 1;
    }
  };

  const acquire = (): Promise<void> => {
    if (active < concurrency) {
      active += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      waiters.push(resolve);
    });
  };

  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      const queued = options.onWait ? performance.now() : 0;
      await acquire();
      try {
        options.onWait?.((performance.now() - queued) / 1000);
        return await task();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get waiting() {
      return waiters.length - head;
    },
  };
}
