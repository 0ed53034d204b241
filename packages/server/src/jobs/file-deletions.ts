import type { Repositories } from '../db/repositories/index.ts';
import type { Logger } from '../logger.ts';
import type { Storage } from '../storage/storage.ts';
import { startLoop } from './loop.ts';

/** While a backup holds this lease, files stay (the snapshot may still need them). */
export const BACKUP_LEASE = 'backup';

const BATCH = 100;
const MAX_PAUSE_MS = 10 * 60_000;

/**
 * Removes the files of deleted rows (db/schema: file_deletions), retrying with a growing
 * pause when the storage fails (an unreachable bucket), until every one is gone. Several
 * instances may run it at once: removing a missing file is not an error.
 */
export async function removeDueFiles(deps: {
  repos: Pick<Repositories, 'system'>;
  storage: Storage;
  now: () => Date;
}): Promise<{ removed: number; failed: number }> {
  const now = deps.now();
  if (await deps.repos.system.isLeaseHeld(BACKUP_LEASE, now)) return { removed: 0, failed: 0 };
  const due = await deps.repos.system.dueDeletions(now, BATCH);
  const done: number[] = [];
  let failed = 0;
  for (const item of due) {
    try {
      await deps.storage.deleteAll(item.keys);
      done.push(item.id);
    } catch {
      failed++;
      const attempts = item.attempts + 1;
      const pause = Math.min(MAX_PAUSE_MS, 1000 * 2 ** Math.min(attempts, 20));
      await deps.repos.system.postponeDeletion(item.id, attempts, new Date(now.getTime() + pause));
    }
  }
  await deps.repos.system.completeDeletions(done);
  return { removed: done.length, failed };
}

export function startFileDeletions(deps: {
  repos: Pick<Repositories, 'system'>;
  storage: Storage;
  now: () => Date;
  log: Logger;
  intervalMs?: number;
  /** Delay of the first round (the first requests after a start go first). */
  firstRunAfterMs?: number;
}) {
  return startLoop(
    async () => {
      const { removed, failed } = await removeDueFiles(deps);
      if (failed > 0) deps.log.error('file removal failed, will retry', { failed });
      // A full batch means more may be due: go again at once.
      return removed >= BATCH ? 0 : undefined;
    },
    {
      intervalMs: deps.intervalMs ?? 5_000,
      firstRunAfterMs: deps.firstRunAfterMs,
      onError: (error) => deps.log.error('file removal round failed', { error }),
    },
  );
}
