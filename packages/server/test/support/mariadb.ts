// A throwaway MariaDB server for tests (the Chevereto import reads a Chevereto database):
// `mariadb-install-db` into a temp datadir, `mariadbd` on a free port on 127.0.0.1 as this
// process's child, root without a password on loopback, a database `chevereto`. Runs as the
// `mysql` OS user when the tests run as root, as the current user otherwise.
// Binaries: Debian's mariadb-server (scripts/setup-test-deps.sh installs it).
import { closeSync, openSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findBinary,
  isRoot,
  mustRun,
  PortInUseError,
  runCommand,
  serviceUser,
  waitFor,
  withFreePort,
} from './process.ts';

export interface TestMariaDb {
  /** `mysql://root@127.0.0.1:<port>/chevereto` */
  url: string;
  port: number;
  /** mariadbd's pid. */
  pid: number;
  /** Runs SQL with the `mariadb` client against `chevereto`; returns tab-separated rows. */
  query(sql: string): Promise<string>;
  /** Stops the server and removes the temp folder. Safe to call twice. */
  stop(): Promise<void>;
}

function binaries() {
  const server = findBinary('mariadbd', ['/usr/sbin/mariadbd']);
  const install = findBinary('mariadb-install-db', ['/usr/bin/mariadb-install-db']);
  const client = findBinary('mariadb', ['/usr/bin/mariadb']);
  if (!server || !install || !client) {
    throw new Error(
      'MariaDB (mariadbd, mariadb-install-db, mariadb) is missing: run scripts/setup-test-deps.sh',
    );
  }
  return { server, install, client };
}

/** Small and fast for throwaway data; the same options for install and server. */
const SERVER_OPTIONS = [
  '--skip-name-resolve',
  '--innodb-buffer-pool-size=32M',
  '--innodb-log-file-size=16M',
  '--innodb-flush-log-at-trx-commit=0',
  '--innodb-doublewrite=0',
  '--performance-schema=OFF',
];

export async function startMariaDb(): Promise<TestMariaDb> {
  const bins = binaries();
  const root = await mkdtemp(join(tmpdir(), 'upshot-mariadb-'));
  // As root, mariadbd and the installer switch to `mysql` themselves (--user).
  const userOption = isRoot() ? ['--user=mysql'] : [];
  try {
    const user = await serviceUser('mysql');
    if (user) await chown(root, user.uid, user.gid);
    const dataDir = join(root, 'data');
    await mustRun(
      [
        bins.install,
        // --no-defaults first: the system's /etc/mysql config is not ours.
        '--no-defaults',
        `--datadir=${dataDir}`,
        ...userOption,
        // root@localhost and root@127.0.0.1 without a password (not the unix-socket plugin).
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        ...SERVER_OPTIONS,
      ],
      { cwd: root },
    );
    return await withFreePort((port) => launch(bins, root, dataDir, userOption, port));
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

async function launch(
  bins: ReturnType<typeof binaries>,
  root: string,
  dataDir: string,
  userOption: string[],
  port: number,
): Promise<TestMariaDb> {
  const errorLog = join(root, 'error.log');
  const log = openSync(errorLog, 'w');
  const proc = Bun.spawn(
    [
      bins.server,
      '--no-defaults',
      `--datadir=${dataDir}`,
      ...userOption,
      '--bind-address=127.0.0.1',
      `--port=${port}`,
      `--socket=${join(root, 'mysqld.sock')}`,
      `--pid-file=${join(root, 'mysqld.pid')}`,
      `--tmpdir=${root}`,
      `--log-error=${errorLog}`,
      ...SERVER_OPTIONS,
    ],
    { cwd: root, stdin: 'ignore', stdout: log, stderr: log },
  );
  closeSync(log);
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
  });

  const client = (database: string, sql: string) =>
    runCommand([
      bins.client,
      '--no-defaults',
      '--protocol=TCP',
      '--host=127.0.0.1',
      `--port=${port}`,
      '--user=root',
      '--batch',
      '--skip-column-names',
      `--database=${database}`,
      `--execute=${sql}`,
    ]);
  const stop = async () => {
    proc.kill('SIGTERM'); // a clean shutdown; mariadbd is one process with threads
    await proc.exited;
  };

  await waitFor(
    async () => exited || (await client('mysql', 'SELECT 1')).exitCode === 0,
    'MariaDB to accept connections',
    60_000,
    100,
  );
  if (exited) {
    const text = await readFile(errorLog, 'utf8');
    if (text.includes('Address already in use')) throw new PortInUseError(text);
    throw new Error(`mariadbd exited at start (exit ${proc.exitCode}):\n${text}`);
  }
  const created = await client('mysql', 'CREATE DATABASE chevereto');
  if (created.exitCode !== 0) {
    await stop();
    throw new Error(`CREATE DATABASE chevereto failed:\n${created.stderr}`);
  }

  let stopped = false;
  return {
    url: `mysql://root@127.0.0.1:${port}/chevereto`,
    port,
    pid: proc.pid,
    async query(sql) {
      const result = await client('chevereto', sql);
      if (result.exitCode !== 0) throw new Error(`mariadb: ${result.stderr.trim()}`);
      return result.stdout;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
