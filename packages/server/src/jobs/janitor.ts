// What a crash leaves behind, collected: pending rows of processes that are gone (with
// whatever files they had written), temp files nobody is writing, ended counter windows
// and sessions. It runs at start, right after this process registers, and then every
// `intervalMs`. It reads only pending rows and the temp folder, so its cost does not grow
// with the number of images.
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Repositories } from '../db/repositories/index.ts';
import type { Logger } from '../logger.ts';
import type { ImageDeleter } from '../services/images/deleter.ts';
import { isGone, type ProcessIdentity } from '../services/process-identity.ts';
import { startLoop } from './loop.ts';

/** An instance that has not beaten its heart for this long is gone. */
export const HEARTBEAT_STALE_MS = 30_000;
export const HEARTBEAT_EVERY_MS = 5_000;
/** A pending row of this process that no upload holds, older than this, was abandoned. */
const OWN_PENDING_GRACE_MS = 60_000;

export interface JanitorDeps {
  repos: Pick<Repositories, 'images' | 'system' | 'counters' | 'users'>;
  deleter: ImageDeleter;
  me: ProcessIdentity;
  /** Pending rows this process is writing now. */
  activeClaims: () => ReadonlySet<number>;
  tempDir: string;
  now: () => Date;
  log: Logger;
}

export interface JanitorReport {
  instancesGone: number;
  pendingRemoved: number;
  tempFilesRemoved: number;
}

export async function collect(deps: JanitorDeps): Promise<JanitorReport> {
  const now = deps.now();
  const report: JanitorReport = { instancesGone: 0, pendingRemoved: 0, tempFilesRemoved: 0 };
  const instances = await deps.repos.system.listInstances();
  const staleBefore = new Date(now.getTime() - HEARTBEAT_STALE_MS);
  const gone = instances.filter((instance) => isGone(instance, deps.me, staleBefore));
  const goneIds = new Set(gone.map((instance) => instance.id));
  const alive = instances.filter((instance) => !goneIds.has(instance.id)).map((i) => i.id);
  if (!alive.includes(deps.me.id)) alive.push(deps.me.id);
  // An owner missing from the list may have registered just after it was read: only
  // leftovers older than a heartbeat's staleness are certainly nobody's.
  const unknownAndOld = (at: Date) => at.getTime() < staleBefore.getTime();

  // Pending rows of processes that are gone (or of no known process at all).
  for (const row of await deps.repos.images.listPending({ notIn: alive })) {
    if (!goneIds.has(row.uploadInstance ?? '') && !unknownAndOld(row.createdAt)) continue;
    if (await deps.deleter.delete(row)) report.pendingRemoved++;
  }
  // Our own pending rows that no upload holds: an upload whose clean-up failed.
  const active = deps.activeClaims();
  for (const row of await deps.repos.images.listPending({ instance: deps.me.id })) {
    if (active.has(row.id)) continue;
    if (now.getTime() - row.createdAt.getTime() < OWN_PENDING_GRACE_MS) continue;
    if (await deps.deleter.delete(row)) report.pendingRemoved++;
  }
  await deps.repos.system.removeInstances(gone.map((instance) => instance.id));
  report.instancesGone = gone.length;

  // Temp files are named `<instance id>-...`: those of no live instance are leftovers.
  const entries = await readdir(deps.tempDir).catch(() => [] as string[]);
  for (const name of entries) {
    const owner = name.split('-')[0] ?? '';
    if (alive.includes(owner)) continue;
    const path = join(deps.tempDir, name);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) continue;
    if (!goneIds.has(owner) && !unknownAndOld(info.mtime)) continue;
    await rm(path, { force: true });
    report.tempFilesRemoved++;
  }

  await deps.repos.counters.prune(now);
  await deps.repos.users.deleteExpiredSessions(now);
  return report;
}

/** Registers this process, then beats its heart and collects leftovers until stopped. */
export async function startJanitor(
  deps: JanitorDeps & { intervalMs?: number; firstRunAfterMs?: number },
) {
  await deps.repos.system.registerInstance({
    id: deps.me.id,
    host: deps.me.host,
    pid: deps.me.pid,
    now: deps.now(),
  });
  const heartbeat = startLoop(() => deps.repos.system.heartbeat(deps.me.id, deps.now()), {
    intervalMs: HEARTBEAT_EVERY_MS,
    // Registering was the first beat.
    firstRunAfterMs: HEARTBEAT_EVERY_MS,
    onError: (error) => deps.log.error('heartbeat failed', { error }),
  });
  const janitor = startLoop(
    async () => {
      const report = await collect(deps);
      if (report.pendingRemoved > 0 || report.tempFilesRemoved > 0 || report.instancesGone > 0) {
        deps.log.info('leftovers collected', { ...report });
      }
    },
    {
      intervalMs: deps.intervalMs ?? 60_000,
      firstRunAfterMs: deps.firstRunAfterMs,
      onError: (error) => deps.log.error('janitor round failed', { error }),
    },
  );
  return {
    janitor,
    async stop() {
      await Promise.all([heartbeat.stop(), janitor.stop()]);
      await deps.repos.system.removeInstances([deps.me.id]).catch(() => {});
    },
  };
}
