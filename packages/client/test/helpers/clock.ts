import type { Clock } from '../../src/retry.ts';

/** A clock whose sleeps return at once and advance its time: retries cost no real waiting. */
export function fakeClock(start = Date.now()) {
  let now = start;
  const slept: number[] = [];
  const clock: Clock = {
    now: () => now,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      slept.push(ms);
      now += ms;
    },
  };
  return { clock, slept };
}
