// Shared plumbing for the test-support services (PostgreSQL, nginx, MariaDB): free ports,
// running a command to completion with a deadline, the service user to run as when root,
// and telling whether a process is still alive. Servers run as direct children of the test
// process (never daemonized), so it reaps them itself: a container's PID 1 may reap orphans
// late or never, and a zombie postmaster would block PostgreSQL's restart on its data.
import { existsSync, readFileSync } from 'node:fs';

/** A port on 127.0.0.1 that was free a moment ago (another process may still take it first). */
export async function freePort(): Promise<number> {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() });
  const port = probe.port ?? 0;
  await probe.stop(true);
  return port;
}

/** Thrown by a start attempt when its port was taken between `freePort()` and the bind. */
export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

/** Calls `start` with a free port, trying a fresh one when the port was taken meanwhile. */
export async function withFreePort<T>(start: (port: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (error) {
      if (!(error instanceof PortInUseError) || attempt >= 5) throw error;
    }
  }
}

export const isRoot = (): boolean => process.getuid?.() === 0;

/** An OS user's ids, for Bun.spawn's `uid`/`gid` (which also sets its groups). */
export interface OsUser {
  uid: number;
  gid: number;
}

export interface RunOptions {
  /** Run as this OS user (the current process must be root). */
  user?: OsUser;
  cwd?: string;
  /** Kill the command after this long (default 60 s). */
  timeoutMs?: number;
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (no shell); never rejects for the command's own failure. */
export async function runCommand(argv: string[], options: RunOptions = {}): Promise<CommandResult> {
  const proc = Bun.spawn(argv, {
    cwd: options.cwd,
    uid: options.user?.uid,
    gid: options.user?.gid,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  try {
    const [stdout, stderr, exitCode] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { exitCode, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a command and returns its stdout; throws with its output when it fails. */
export async function mustRun(argv: string[], options: RunOptions = {}): Promise<string> {
  const result = await runCommand(argv, options);
  if (result.exitCode !== 0) {
    throw new Error(
      `${argv.join(' ')} failed (exit ${result.exitCode}):\n${result.stderr}${result.stdout}`,
    );
  }
  return result.stdout;
}

/**
 * The service account (`postgres`, `mysql`: the Debian packages create them) to run a server
 * as when the tests run as root, since the servers refuse root; none (the current user) otherwise.
 */
export async function serviceUser(name: string): Promise<OsUser | undefined> {
  return isRoot() ? await userIds(name) : undefined;
}

/** uid and gid of an OS user. */
export async function userIds(user: string): Promise<OsUser> {
  const [uid, gid] = await Promise.all([
    runCommand(['id', '-u', user]),
    runCommand(['id', '-g', user]),
  ]);
  if (uid.exitCode !== 0 || gid.exitCode !== 0) {
    throw new Error(`no OS user "${user}": run scripts/setup-test-deps.sh`);
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Whether a process is alive. A zombie (dead, not yet reaped by its parent, as happens to
 * daemons whose parent is a container's PID 1) counts as dead.
 */
export function isAlive(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (existsSync('/proc/self/stat')) {
    try {
      // The state follows the parenthesised command name, which may itself hold spaces.
      const text = readFileSync(stat, 'utf8');
      return text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Child pids of a process (one level). */
export async function childPids(pid: number): Promise<number[]> {
  const result = await runCommand(['pgrep', '-P', String(pid)]);
  return result.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(Number);
}

/** Polls `check` until it is true; throws `message` after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  message: string,
  timeoutMs = 60_000,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${message}`);
    await Bun.sleep(intervalMs);
  }
}

/** Resolves the first path of `candidates` that exists, else a binary of that name on PATH. */
export function findBinary(name: string, candidates: string[]): string | null {
  for (const candidate of candidates) if (existsSync(candidate)) return candidate;
  return Bun.which(name);
}
