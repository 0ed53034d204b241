import type { Repository } from '../db/repository.ts';
import type { Logger } from '../http/logger.ts';
import type { ImageDeleter } from '../modules/images/delete.ts';

export interface ExpirySweepDeps {
  repo: Repository;
  deleter: ImageDeleter;
  now: () => Date;
  log: Logger;
  /** Longest sleep between sweeps; an expiry is removed within this after it passes. */
  intervalMs?: number;
}

/** Deletes every image whose expiry has passed; returns how many. */
export async function sweepExpired(deps: ExpirySweepDeps): Promise<number> {
  let removed = 0;
  for (;;) {
    const batch = deps.repo.listExpired(deps.now(), 100);
    if (batch.length === 0) return removed;
    for (const row of batch) {
      await deps.deleter.delete(row);
      removed++;
    }
  }
}

/**
 * Runs the sweep at start (expiries that passed while the server was down) and then
 * at most `intervalMs` apart, sooner when an expiry is due. Returns a stop function.
 */
export function startExpirySweep(deps: ExpirySweepDeps): () => void {
  const interval = deps.intervalMs ?? 30_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const tick = async () => {
    try {
      const removed = await sweepExpired(deps);
      if (removed > 0) deps.log.info('expired images removed', { count: removed });
    } catch (error) {
      deps.log.error('expiry sweep failed', { error });
    }
    if (stopped) return;
    const now = deps.now().getTime();
    const next = deps.repo.nextExpiry(deps.now())?.getTime() ?? Number.POSITIVE_INFINITY;
    timer = setTimeout(tick, Math.max(50, Math.min(interval, next - now + 50)));
  };
  void tick();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
