// `upshot-admin copy-db --to postgres://...`: moves an instance from SQLite to PostgreSQL,
// keeping every id (so every URL keeps working). It mirrors: rows are inserted or updated,
// and rows gone from the source are removed from the target, so it can be run again
// (just before switching over) and picks up where the last run left off.
import { asc, getTableColumns, getTableName, gt, inArray, sql } from 'drizzle-orm';
import type { Config } from '../config.ts';
import { type Database, type Db, openDatabase, openPostgres } from '../db/database.ts';
import type { Tables } from '../db/schema/index.ts';
import { type AdminCommand, UsageError } from './command.ts';

/** Tables in an order that satisfies their foreign keys; process state is not copied. */
const TABLES = [
  'settings',
  'users',
  'apiKeys',
  'albums',
  'categories',
  'images',
  'deleteTokens',
  'sessions',
  'sessionImages',
  'fileDeletions',
  // Chevereto's imported key and delete-link hashes (README: Moving from Chevereto).
  'cheveretoImports',
] as const satisfies ReadonlyArray<keyof Tables>;

type AnyTable = Tables[(typeof TABLES)[number]];
const BATCH = 500;

/** The one-column primary key of a table (session_images has two: handled by its own pair). */
function keyColumn(table: AnyTable) {
  const columns = getTableColumns(table) as Record<string, { primary?: boolean; name: string }>;
  return Object.entries(columns).find(([, column]) => column.primary) ?? null;
}

export interface CopyReport {
  tables: Record<string, { copied: number; removed: number }>;
}

export async function copyDatabase(
  from: Database,
  to: Database,
  progress: (line: string) => void = () => {},
): Promise<CopyReport> {
  const report: CopyReport = { tables: {} };
  // Removals go children first; copies parents first.
  for (const name of [...TABLES].reverse()) {
    const source = from.tables[name] as AnyTable;
    const target = to.tables[name] as AnyTable;
    const key = keyColumn(source);
    let removed = 0;
    if (key) {
      const sourceKeys = new Set(
        (
          await from.run((db) =>
            (db as Db).select({ k: (source as never)[key[0]] }).from(source as never),
          )
        ).map((row: { k: unknown }) => String(row.k)),
      );
      const targetKeys = (
        await to.run((db) =>
          (db as Db).select({ k: (target as never)[key[0]] }).from(target as never),
        )
      ).map((row: { k: unknown }) => row.k);
      const gone = targetKeys.filter((k) => !sourceKeys.has(String(k)));
      for (let i = 0; i < gone.length; i += BATCH) {
        await to.run((db) =>
          db
            .delete(target as never)
            .where(inArray((target as never)[key[0]], gone.slice(i, i + BATCH))),
        );
      }
      removed = gone.length;
    }
    report.tables[name] = { copied: 0, removed };
  }
  for (const name of TABLES) {
    const source = from.tables[name] as AnyTable;
    const target = to.tables[name] as AnyTable;
    const columns = getTableColumns(target) as Record<string, { name: string; primary?: boolean }>;
    const key = keyColumn(source);
    const update = Object.fromEntries(
      Object.entries(columns)
        .filter(([, column]) => !column.primary)
        .map(([field, column]) => [field, sql.raw(`excluded."${column.name}"`)]),
    );
    let copied = 0;
    const write = async (rows: Record<string, unknown>[]) => {
      if (rows.length === 0) return;
      const query = to.run((db) => {
        const insert = db.insert(target as never).values(rows as never);
        return key && Object.keys(update).length > 0
          ? insert.onConflictDoUpdate({ target: (target as never)[key[0]], set: update as never })
          : insert.onConflictDoNothing();
      });
      await query;
      copied += rows.length;
    };
    if (key) {
      for (let after: unknown = null; ; ) {
        const rows = (await from.run((db) => {
          const base = (db as Db).select().from(source as never);
          const keyed = (source as never)[key[0]];
          return (after === null ? base : base.where(gt(keyed, after as never)))
            .orderBy(asc(keyed))
            .limit(BATCH);
        })) as Record<string, unknown>[];
        if (rows.length === 0) break;
        after = rows.at(-1)![key[0]];
        // Pending uploads were never acknowledged: they are not part of the instance.
        await write(name === 'images' ? rows.filter((row) => row.status === 'live') : rows);
      }
    } else {
      // session_images and chevereto_imports (keyed by a pair): replaced whole.
      await to.run((db) => db.delete(target as never));
      const rows = (await from.run((db) => (db as Db).select().from(source as never))) as Record<
        string,
        unknown
      >[];
      for (let i = 0; i < rows.length; i += BATCH) await write(rows.slice(i, i + BATCH));
    }
    report.tables[name]!.copied = copied;
    progress(`${name}: ${copied} rows copied, ${report.tables[name]!.removed} removed`);
  }
  if (to.dialect === 'postgres') {
    // Ids were copied as they are: each identity continues after the largest.
    for (const name of TABLES) {
      const table = to.tables[name] as AnyTable;
      const key = keyColumn(table);
      if (key?.[1].name !== 'id') continue;
      const tableName = getTableName(table as never);
      await to.run((db) =>
        db.execute(
          sql.raw(
            `SELECT setval(pg_get_serial_sequence('"${tableName}"', 'id'), GREATEST((SELECT max(id) FROM "${tableName}"), 1), (SELECT max(id) FROM "${tableName}") IS NOT NULL)`,
          ),
        ),
      );
    }
  }
  return report;
}

export const copyDbCommand: AdminCommand = {
  name: 'copy-db',
  summary: 'Copy every table to PostgreSQL, keeping ids (run again to catch up)',
  usage: `Usage: bun run upshot-admin copy-db --to postgres://user:password@host:5432/upshot

Copies every table of this instance's database (SQLite in UPSHOT_DATA_DIR, or the one in
UPSHOT_DATABASE_URL) into the PostgreSQL database given, keeping every id, so every URL,
key and delete link keeps working. The target's schema is created if needed. Run it
again at any time: it mirrors the source (updates changed rows, removes deleted ones).
Then set UPSHOT_DATABASE_URL to the target and restart (README: Running several instances).`,
  async run(args, config: Config) {
    const to = args[args.indexOf('--to') + 1];
    if (args.indexOf('--to') === -1 || !to || !/^postgres(ql)?:\/\//.test(to)) {
      throw new UsageError('give the target as --to postgres://...');
    }
    const from = await openDatabase(config);
    const target = await openPostgres(to);
    try {
      const started = Date.now();
      await copyDatabase(from, target, (line) => console.log(line));
      console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return 0;
    } finally {
      await Promise.all([from.close(), target.close()]);
    }
  },
};
