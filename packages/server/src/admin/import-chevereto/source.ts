// Reading a Chevereto database (MySQL or MariaDB) with mysql2. Only SELECTs, in a session
// set read-only, so nothing in Chevereto can change (README: Moving from Chevereto).
// Tables are read a page at a time by id, with `SELECT *`: columns that an older
// Chevereto lacks are simply absent and the mapping uses its defaults.
import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';

export type Row = Record<string, unknown>;

export interface CheveretoSource {
  /** Table names present, without the prefix. */
  tables: Set<string>;
  /** `crypt_salt` and `id_padding`: from `variables` (Chevereto 4), else `settings`. */
  idSettings(): Promise<{ salt: string; padding: number }>;
  count(table: string): Promise<number>;
  /** Rows with `idColumn` above `after`, in id order. */
  page(table: string, idColumn: string, after: number, limit: number): Promise<Row[]>;
  /** Rows whose `column` is one of `values`. */
  where(table: string, column: string, values: number[]): Promise<Row[]>;
  close(): Promise<void>;
}

const IDENTIFIER = /^[A-Za-z0-9_]{0,64}$/;

export async function openCheveretoSource(url: string, prefix: string): Promise<CheveretoSource> {
  if (!IDENTIFIER.test(prefix)) throw new Error(`the prefix "${prefix}" is not a table prefix`);
  const connection: Connection = await mysql.createConnection({
    uri: url,
    // Dates as written ('YYYY-MM-DD HH:MM:SS'): the date folder is read from the text.
    dateStrings: true,
    supportBigNumbers: true,
    charset: 'utf8mb4',
    connectTimeout: 10_000,
  });
  try {
    await connection.query('SET SESSION TRANSACTION READ ONLY');
  } catch {
    // Servers without read-only sessions: the import only ever SELECTs anyway.
  }
  const name = (table: string) => {
    if (!IDENTIFIER.test(table)) throw new Error(`bad table name ${table}`);
    return `\`${prefix}${table}\``;
  };
  const rows = async (sql: string, params: unknown[] = []): Promise<Row[]> => {
    const [result] = await connection.query<RowDataPacket[]>(sql, params);
    return result as Row[];
  };
  const [listed] = await connection.query<RowDataPacket[]>(
    'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()',
  );
  const tables = new Set<string>();
  for (const row of listed) {
    const table = String(row.name ?? row.NAME ?? '');
    if (table.startsWith(prefix)) tables.add(table.slice(prefix.length));
  }

  return {
    tables,
    async idSettings() {
      const values = new Map<string, string | null>();
      if (tables.has('variables')) {
        for (const row of await rows(
          `SELECT variable_name AS k, variable_value AS v FROM ${name('variables')} WHERE variable_name IN ('crypt_salt', 'id_padding')`,
        )) {
          values.set(String(row.k), row.v === null ? null : String(row.v));
        }
      }
      if (tables.has('settings')) {
        for (const row of await rows(
          `SELECT setting_name AS k, setting_value AS v FROM ${name('settings')} WHERE setting_name IN ('crypt_salt', 'id_padding')`,
        )) {
          if (!values.has(String(row.k)))
            values.set(String(row.k), row.v === null ? null : String(row.v));
        }
      }
      const salt = values.get('crypt_salt');
      if (salt === undefined || salt === null) {
        throw new Error('crypt_salt was not found in the variables or settings table');
      }
      // Chevereto reads a missing padding as 0 (no padding).
      const padding = Number(values.get('id_padding') ?? 0);
      return { salt, padding: Number.isSafeInteger(padding) && padding > 0 ? padding : 0 };
    },
    async count(table) {
      if (!tables.has(table)) return 0;
      return Number((await rows(`SELECT COUNT(*) AS n FROM ${name(table)}`))[0]?.n ?? 0);
    },
    async page(table, idColumn, after, limit) {
      if (!tables.has(table)) return [];
      if (!IDENTIFIER.test(idColumn)) throw new Error(`bad column name ${idColumn}`);
      return rows(
        `SELECT * FROM ${name(table)} WHERE \`${idColumn}\` > ? ORDER BY \`${idColumn}\` LIMIT ?`,
        [after, limit],
      );
    },
    async where(table, column, values) {
      if (!tables.has(table) || values.length === 0) return [];
      if (!IDENTIFIER.test(column)) throw new Error(`bad column name ${column}`);
      return rows(`SELECT * FROM ${name(table)} WHERE \`${column}\` IN (?)`, [values]);
    },
    close: () => connection.end(),
  };
}
