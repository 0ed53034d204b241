// `upshot-admin doctor [--fix] [--json]`: checks that the database and the stored files
// agree (README: Operating Upshot). Start-up collects what a crash leaves quickly; this is
// the deep check, reading every row and listing every file.
import { join } from 'node:path';
import type { Config } from '../config.ts';
import { sweepExpired } from '../jobs/expiry-sweep.ts';
import { removeDueFiles } from '../jobs/file-deletions.ts';
import { createImageDeleter } from '../services/images/deleter.ts';
import { plannedKeys, variantsOf } from '../services/images/files.ts';
import { regenerateVariants } from '../services/images/regenerate.ts';
import { readAll } from '../storage/storage.ts';
import { type AdminCommand, UsageError } from './command.ts';
import { openAdminContext } from './context.ts';

export interface DoctorReport {
  /** SQLite's `PRAGMA integrity_check` ("ok"), or why it was not run. */
  integrity: string;
  images: number;
  /** Files a live row names that are not stored; `fixable` when only a variant is missing. */
  missing: Array<{ imageId: number; key: string; fixable: boolean }>;
  /** Stored files whose size is not the one the row records. */
  wrongSize: Array<{ imageId: number; key: string; expected: number; actual: number }>;
  /** Stored files under images/ that no row names and no queued removal will remove. */
  orphans: string[];
  /** Live rows whose expiry has passed and that the sweep has not removed yet. */
  expired: number[];
  /** What --fix did. */
  fixed: { regenerated: number; movedToLostFound: number; swept: number; failed: string[] };
}

export const LOST_AND_FOUND = 'lost+found';

export async function doctor(
  config: Config,
  options: { fix: boolean; now?: Date },
): Promise<DoctorReport> {
  const context = await openAdminContext(config);
  const { database, repos, storage } = context;
  const now = options.now ?? new Date();
  const report: DoctorReport = {
    integrity: 'not checked (PostgreSQL checks its own pages)',
    images: 0,
    missing: [],
    wrongSize: [],
    orphans: [],
    expired: [],
    fixed: { regenerated: 0, movedToLostFound: 0, swept: 0, failed: [] },
  };
  try {
    if (database.sqlite) {
      const rows = database.sqlite.handle.query('PRAGMA integrity_check').all() as Array<{
        integrity_check: string;
      }>;
      report.integrity = rows.map((row) => row.integrity_check).join('; ');
    }
    const stored = new Map<string, number>();
    for await (const object of storage.list('images/')) stored.set(object.key, object.size);

    const owned = new Set(await repos.system.queuedDeletionKeys());
    const needsVariants = new Map<number, (typeof rows)[number]>();
    let rows: Awaited<ReturnType<typeof repos.images.listPage>> = [];
    for (let after = 0; ; ) {
      rows = await repos.images.listPage(after, 500);
      if (rows.length === 0) break;
      after = rows.at(-1)!.id;
      for (const row of rows) {
        if (row.status === 'pending') {
          for (const key of plannedKeys(row)) owned.add(key);
          continue;
        }
        report.images++;
        if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) report.expired.push(row.id);
        for (const file of variantsOf(row)) {
          owned.add(file.key);
          const size = stored.get(file.key);
          if (size === undefined) {
            report.missing.push({ imageId: row.id, key: file.key, fixable: file.kind !== 'image' });
            if (file.kind !== 'image') needsVariants.set(row.id, row);
          } else if (size !== file.size) {
            report.wrongSize.push({
              imageId: row.id,
              key: file.key,
              expected: file.size,
              actual: size,
            });
            if (file.kind !== 'image') needsVariants.set(row.id, row);
          }
        }
      }
    }
    report.orphans = [...stored.keys()].filter((key) => !owned.has(key)).sort();

    if (options.fix) {
      const tempDir = join(config.dataDir, '.tmp');
      for (const row of needsVariants.values()) {
        try {
          const sizes = await regenerateVariants({ row, storage, config, tempDir });
          await repos.images.setVariantSizes(row.id, sizes);
          report.fixed.regenerated++;
        } catch (error) {
          report.fixed.failed.push(`image ${row.id}: ${(error as Error).message}`);
        }
      }
      // Orphans are moved aside, never deleted: they may be someone's only copy.
      for (const key of report.orphans) {
        try {
          const object = await storage.get(key);
          if (!object) continue;
          const bytes = await readAll(object);
          await storage.putAll([{ key: `${LOST_AND_FOUND}/${key}`, bytes }]);
          await storage.deleteAll([key]);
          report.fixed.movedToLostFound++;
        } catch (error) {
          report.fixed.failed.push(`${key}: ${(error as Error).message}`);
        }
      }
      const deleter = createImageDeleter({ images: repos.images, now: () => now, wake: () => {} });
      report.fixed.swept = await sweepExpired({ repos, deleter, now: () => now });
      await removeDueFiles({ repos, storage, now: () => now });
    }
    return report;
  } finally {
    await context.close();
  }
}

function describe(report: DoctorReport, fix: boolean): string {
  const lines = [
    `database integrity: ${report.integrity}`,
    `images checked: ${report.images}`,
    `missing files: ${report.missing.length}`,
    ...report.missing.map(
      (m) =>
        `  image ${m.imageId}: ${m.key}${m.fixable ? '' : ' (the original: cannot be made again)'}`,
    ),
    `files of the wrong size: ${report.wrongSize.length}`,
    ...report.wrongSize.map(
      (w) => `  image ${w.imageId}: ${w.key} is ${w.actual} bytes, the row says ${w.expected}`,
    ),
    `files no row owns: ${report.orphans.length}`,
    ...report.orphans.map((key) => `  ${key}`),
    `expired images not yet swept: ${report.expired.length}`,
  ];
  if (fix) {
    lines.push(
      `fixed: ${report.fixed.regenerated} images' variants made again, ${report.fixed.movedToLostFound} files moved to ${LOST_AND_FOUND}/, ${report.fixed.swept} expired images removed`,
      ...report.fixed.failed.map((failure) => `  could not fix ${failure}`),
    );
  }
  return lines.join('\n');
}

/** Problems that remain after the run (all of them without --fix). */
function remaining(report: DoctorReport, fix: boolean): number {
  if (!fix) {
    return (
      (report.integrity === 'ok' || report.integrity.startsWith('not checked') ? 0 : 1) +
      report.missing.length +
      report.wrongSize.length +
      report.orphans.length +
      report.expired.length
    );
  }
  return (
    report.missing.filter((m) => !m.fixable).length +
    report.fixed.failed.length +
    (report.integrity === 'ok' || report.integrity.startsWith('not checked') ? 0 : 1)
  );
}

export const doctorCommand: AdminCommand = {
  name: 'doctor',
  summary: 'Check that database and files agree; --fix repairs what it safely can',
  usage: `Usage: bun run upshot-admin doctor [--fix] [--json]

Reports rows whose files are missing, files no row owns, variants that are missing or
of the wrong size, expired images not yet swept, and the database's integrity check.
With --fix it makes missing or damaged variants again from the originals, moves files no
row owns into ${LOST_AND_FOUND}/ (never deletes them), and removes expired images.
Exit status: 0 when nothing is left to fix, 1 otherwise.`,
  async run(args, config) {
    const unknown = args.filter((arg) => arg !== '--fix' && arg !== '--json');
    if (unknown.length > 0) throw new UsageError(`unknown option ${unknown[0]}`);
    const fix = args.includes('--fix');
    const report = await doctor(config, { fix });
    console.log(args.includes('--json') ? JSON.stringify(report, null, 2) : describe(report, fix));
    return remaining(report, fix) === 0 ? 0 : 1;
  },
};
