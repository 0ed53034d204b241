// A throwaway PostgreSQL cluster for tests: `initdb` in a fresh temp folder, the postmaster on a
// free port on 127.0.0.1, trust auth on loopback, a database `upshot`. Runs as the `postgres` OS
// user when the tests run as root (PostgreSQL refuses root), as the current user otherwise.
// The postmaster is this process's child rather than pg_ctl's daemon (see process.ts).
// Binaries: Debian's postgresql package (scripts/setup-test-deps.sh installs it).
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { appendFile, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Subprocess } from 'bun';
import {
  childPids,
  isAlive,
  mustRun,
  type OsUser,
  PortInUseError,
  serviceUser,
  waitFor,
  withFreePort,
} from './process.ts';

export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/upshot` */
  url: string;
  port: number;
  /** The cluster's data directory (inside the temp folder). */
  dataDir: string;
  /** Runs SQL with `psql` against the `upshot` database; returns unaligned, tuples-only output. */
  query(sql: string): Promise<string>;
  /** Stops the server (if running) and removes the temp folder. Safe to call twice. */
  stop(): Promise<void>;
  /** Stops (if running) and starts the server again on the same port and data. */
  restart(): Promise<void>;
  /** SIGKILLs the postmaster and its backends, like a crash; `restart()` recovers. */
  kill(): Promise<void>;
}

/** The server binaries' folder: the newest /usr/lib/postgresql/<version>/bin, else PATH. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+(\.\d+)?$/.test(name))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const version of versions) {
    const bin = join(root, version, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'postgres'))) return bin;
  }
  const initdb = Bun.which('initdb');
  if (initdb && Bun.which('postgres')) return dirname(initdb);
  throw new Error(
    'PostgreSQL server binaries (initdb, postgres) are missing under /usr/lib/postgresql/<version>/bin ' +
      'and on PATH: run scripts/setup-test-deps.sh',
  );
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  const user = await serviceUser('postgres');
  const root = await mkdtemp(join(tmpdir(), 'upshot-pg-'));
  try {
    if (user) await chown(root, user.uid, user.gid);
    const dataDir = join(root, 'data');
    await mustRun(
      [
        join(bin, 'initdb'),
        '--pgdata',
        dataDir,
        '--username',
        'postgres',
        '--auth',
        'trust',
        '--encoding',
        'UTF8',
        '--locale',
        'C',
        '--no-sync',
        '--no-instructions',
      ],
      { user, cwd: root },
    );
    // Throwaway data: durability off for speed, small memory, the socket in the temp folder.
    await appendFile(
      join(dataDir, 'postgresql.conf'),
      [
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${root}'`,
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        'shared_buffers = 16MB',
        'max_connections = 100',
        '',
      ].join('\n'),
    );
    return await withFreePort((port) => launch(bin, user, root, dataDir, port));
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

async function launch(
  bin: string,
  user: OsUser | undefined,
  root: string,
  dataDir: string,
  port: number,
): Promise<TestPostgres> {
  // Appended on each attempt: the last `port` line wins.
  await appendFile(join(dataDir, 'postgresql.conf'), `port = ${port}\n`);
  const logFile = join(root, 'postgres.log');
  let postmaster: Subprocess | undefined;

  const start = async () => {
    const log = openSync(logFile, 'a');
    const proc = Bun.spawn([join(bin, 'postgres'), '-D', dataDir], {
      cwd: root,
      uid: user?.uid,
      gid: user?.gid,
      stdin: 'ignore',
      stdout: log,
      stderr: log,
    });
    closeSync(log);
    let exited = false;
    void proc.exited.then(() => {
      exited = true;
    });
    // The 8th line of postmaster.pid turns "ready" once connections are accepted.
    const ready = () => {
      try {
        const lines = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
        return Number(lines[0]) === proc.pid && lines[7]?.trim() === 'ready';
      } catch {
        return false; // not written yet
      }
    };
    await waitFor(() => exited || ready(), 'PostgreSQL to accept connections');
    if (exited) {
      const text = await readFile(logFile, 'utf8');
      if (text.includes('Address already in use')) throw new PortInUseError(text);
      throw new Error(`PostgreSQL exited at start (exit ${proc.exitCode}):\n${text}`);
    }
    postmaster = proc;
  };
  const shutdown = async (signal: 'SIGINT' | 'SIGQUIT') => {
    const proc = postmaster;
    if (!proc) return;
    postmaster = undefined;
    // SIGINT: fast shutdown; SIGQUIT: immediate. The postmaster exits after its backends.
    const backends = await childPids(proc.pid);
    proc.kill(signal);
    await proc.exited;
    await waitFor(() => backends.every((pid) => !isAlive(pid)), 'PostgreSQL backends to exit');
  };

  await start();
  const psql = (database: string, sql: string) =>
    mustRun([
      join(bin, 'psql'),
      '--no-psqlrc',
      '--quiet',
      '--no-align',
      '--tuples-only',
      '--set',
      'ON_ERROR_STOP=1',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--username',
      'postgres',
      '--dbname',
      database,
      '--command',
      sql,
    ]);
  try {
    await psql('postgres', 'CREATE DATABASE upshot');
  } catch (error) {
    await shutdown('SIGQUIT');
    throw error;
  }

  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/upshot`,
    port,
    dataDir,
    query: (sql) => psql('upshot', sql),
    async stop() {
      if (stopped) return;
      stopped = true;
      // The data is thrown away: no need for a clean shutdown checkpoint.
      await shutdown('SIGQUIT');
      await rm(root, { recursive: true, force: true });
    },
    async restart() {
      await shutdown('SIGINT');
      await start();
    },
    async kill() {
      const proc = postmaster;
      if (!proc) return;
      postmaster = undefined;
      const pids = [proc.pid, ...(await childPids(proc.pid))];
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await proc.exited;
      await waitFor(() => pids.every((pid) => !isAlive(pid)), 'PostgreSQL processes to die');
    },
  };
}
