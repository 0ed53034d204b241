import { ApiErrors } from '@upshot/schema';
import { ApiError } from '../../http/api-error.ts';

export interface RateWindow {
  limit: number;
  seconds: number;
  unit: string;
}

/**
 * Fixed-window upload counters per client (guest address or user). In memory: a
 * multi-instance deployment needs a shared store, see README "Scaling".
 */
export function createRateLimiter() {
  const counters = new Map<string, { windowStart: number; count: number }>();
  let lastPrune = 0;

  function prune(nowMs: number) {
    if (nowMs - lastPrune < 60_000) return;
    lastPrune = nowMs;
    for (const [key, counter] of counters) {
      const seconds = Number(key.slice(0, key.indexOf(':')));
      if (nowMs - counter.windowStart >= seconds * 1000) counters.delete(key);
    }
  }

  function countersFor(who: string, windows: RateWindow[], nowMs: number) {
    return windows
      .filter((window) => window.limit > 0)
      .map((window) => {
        const key = `${window.seconds}:${who}`;
        let counter = counters.get(key);
        if (!counter || nowMs - counter.windowStart >= window.seconds * 1000) {
          counter = { windowStart: nowMs, count: 0 };
          counters.set(key, counter);
        }
        return { window, counter };
      });
  }

  return {
    /** Throws the contract's 429 when a window of `who` is already full. */
    check(who: string, windows: RateWindow[], now: Date): void {
      const nowMs = now.getTime();
      prune(nowMs);
      for (const { window, counter } of countersFor(who, windows, nowMs)) {
        if (counter.count >= window.limit) {
          const retryAfter = Math.max(
            1,
            Math.ceil((counter.windowStart + window.seconds * 1000 - nowMs) / 1000),
          );
          throw new RateLimitedError(window, retryAfter);
        }
      }
    },
    /** Counts one stored upload; refused uploads are not counted, as in Chevereto. */
    record(who: string, windows: RateWindow[], now: Date): void {
      for (const { counter } of countersFor(who, windows, now.getTime())) counter.count++;
    },
  };
}

export class RateLimitedError extends ApiError {
  constructor(
    window: RateWindow,
    readonly retryAfterSeconds: number,
  ) {
    super(ApiErrors.flooding(window.limit, window.unit));
  }
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
