import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const packageDir = join(import.meta.dir, '..', '..');
export const distCli = join(packageDir, 'dist', 'cli.js');
export const sourceCli = join(packageDir, 'src', 'cli', 'main.ts');

export type Runtime = 'node' | 'bun';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Builds dist/cli.js from the current source (what `bun run build` does). */
export async function buildCli(): Promise<void> {
  const build = Bun.spawn(['bun', 'build.ts'], { cwd: packageDir, stdout: 'pipe', stderr: 'pipe' });
  if ((await build.exited) !== 0) throw new Error(await new Response(build.stderr).text());
}

/** A home of its own, so no real config file or environment leaks into a run. */
export async function isolatedEnv(
  extra: Record<string, string> = {},
): Promise<Record<string, string>> {
  const home = await mkdtemp(join(tmpdir(), 'upshot-home-'));
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    ...extra,
  };
}

// Spawned processes queue for a few slots: a small CI machine runs them faster that way
// than all at once (concurrent tests would otherwise start dozens together).
const SLOTS = 3;
let running = 0;
const waiting: (() => void)[] = [];
async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= SLOTS) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** Spawns the command line: the built bundle under plain node, or the source under bun. */
export async function runCli(
  runtime: Runtime,
  args: string[],
  options: { env: Record<string, string>; cwd?: string; stdin?: Uint8Array | string },
): Promise<CliRun> {
  return slot(() => spawnCli(runtime, args, options));
}

async function spawnCli(
  runtime: Runtime,
  args: string[],
  options: { env: Record<string, string>; cwd?: string; stdin?: Uint8Array | string },
): Promise<CliRun> {
  const command = runtime === 'node' ? ['node', distCli] : ['bun', sourceCli];
  const child = Bun.spawn([...command, ...args], {
    cwd: options.cwd ?? packageDir,
    env: options.env,
    stdin: options.stdin === undefined ? 'ignore' : new Blob([options.stdin as BlobPart]),
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}
