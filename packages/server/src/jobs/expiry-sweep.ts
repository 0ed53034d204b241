import type { Repositories } from '../db/repositories/index.ts';
import type { Logger } from '../logger.ts';
import type { ImageDeleter } from '../services/images/deleter.ts';
import { startLoop } from './loop.ts';

export const SWEEP_LEASE = 'expiry-sweep';

export interface ExpirySweepDeps {
  repos: Pick<Repositories, 'images' | 'system'>;
  deleter: ImageDeleter;
  now: () => Date;
  log: Logger;
  /** This instance, as the lease holder: one instance sweeps at a time. */
  holder: string;
  /** Longest sleep between sweeps; an expiry is removed within this after it passes. */
  intervalMs?: number;
  /** Delay of the first sweep (the first requests after a start go first). */
  firstRunAfterMs?: number;
}

/** Deletes every image whose expiry has passed; returns how many. */
export async function sweepExpired(deps: Omit<ExpirySweepDeps, 'log' | 'holder'>) {
  let removed = 0;
  for (;;) {
    const batch = await deps.repos.images.listExpired(deps.now(), 100);
    if (batch.length === 0) return removed;
    for (const row of batch) if (await deps.deleter.delete(row)) removed++;
  }
}

/**
 * Runs the sweep at start (expiries that passed while the server was down) and then at
 * most `intervalMs` apart, sooner when an expiry is due. Only the holder of the sweep's
 * lease sweeps; the others check again at the next round. Expired images are 404 from
 * the moment they expire whatever the sweep does (db/live.ts).
 */
export function startExpirySweep(deps: ExpirySweepDeps) {
  const interval = deps.intervalMs ?? 30_000;
  return startLoop(
    async () => {
      const now = deps.now();
      if (!(await deps.repos.system.acquireLease(SWEEP_LEASE, deps.holder, interval * 3, now))) {
        return undefined;
      }
      const removed = await sweepExpired(deps);
      if (removed > 0) deps.log.info('expired images removed', { count: removed });
      const next = (await deps.repos.images.nextExpiry(deps.now()))?.getTime();
      return next === undefined ? undefined : Math.max(50, next - deps.now().getTime() + 50);
    },
    {
      intervalMs: interval,
      firstRunAfterMs: deps.firstRunAfterMs,
      onError: (error) => deps.log.error('expiry sweep failed', { error }),
    },
  );
}
