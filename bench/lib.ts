// Shared plumbing of the benchmarks: the real server as a child process, Debian tools
// installed when missing, wrk, and the resident memory of a process tree.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(import.meta.dir, '..');
export const SERVER_ENTRY = join(ROOT, 'packages', 'server', 'src', 'index.ts');
export const ADMIN_KEY = 'bench-admin-key-0123456789abcdef0123456789';

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export const fmt = (n: number, digits = 2) => n.toFixed(digits).padStart(8);

export async function freePort(): Promise<number> {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() });
  const port = probe.port ?? 0;
  await probe.stop(true);
  return port;
}

/** Installs Debian packages whose command is missing (the bench runs as root on Debian). */
export async function ensureCommands(commands: Record<string, string>): Promise<void> {
  const missing = Object.entries(commands).filter(
    ([command]) => !Bun.which(command, { PATH: `${process.env.PATH}:/usr/sbin:/sbin` }),
  );
  if (missing.length === 0) return;
  const packages = missing.map(([, pkg]) => pkg);
  console.log(`installing ${packages.join(', ')} (apt-get)`);
  const install = () =>
    Bun.spawnSync(['apt-get', 'install', '-y', '--no-install-recommends', ...packages], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdout: 'inherit',
      stderr: 'inherit',
    }).exitCode;
  if (install() === 0) return;
  Bun.spawnSync(['apt-get', 'update'], { stdout: 'inherit', stderr: 'inherit' });
  if (install() !== 0) throw new Error(`could not install ${packages.join(', ')}`);
}

export interface RunningServer {
  url: string;
  pid: number;
  dataDir: string;
  child: ChildProcess;
  /** SIGTERM, wait, and remove the data folder unless it was given. */
  stop(): Promise<void>;
}

/** `upshot` started the way `bun run start` does, in a fresh (or the given) data folder. */
export async function startServer(
  env: Record<string, string> = {},
  options: { dataDir?: string; entry?: string } = {},
): Promise<RunningServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'upshot-bench-')));
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [options.entry ?? process.env.BENCH_SERVER_ENTRY ?? SERVER_ENTRY],
    {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        UPSHOT_DATA_DIR: dataDir,
        UPSHOT_ADMIN_KEY: ADMIN_KEY,
        UPSHOT_LOG_REQUESTS: 'false',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited at start (${child.exitCode})`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error('the server did not answer /healthz within 30 s');
    await Bun.sleep(20);
  }
  return {
    url,
    pid: child.pid!,
    dataDir,
    child,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Requests per second as `wrk -t1 -c<connections> -d<seconds>s` measures them. */
export async function wrk(url: string, seconds = 8, connections = 64): Promise<number> {
  return (await wrkRun(url, seconds, connections)).rate;
}

/** wrk's requests per second and request count. */
export async function wrkRun(
  url: string,
  seconds = 8,
  connections = 64,
): Promise<{ rate: number; requests: number }> {
  const proc = Bun.spawn(['wrk', '-t1', `-c${connections}`, `-d${seconds}s`, url], {
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1];
  const requests = /(\d+) requests in/.exec(out)?.[1];
  const errors = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1];
  if (code !== 0 || !rate || !requests) throw new Error(`wrk failed: ${out}`);
  if (errors) throw new Error(`wrk saw ${errors} error replies from ${url}`);
  return { rate: Number(rate), requests: Number(requests) };
}

/** The first process whose command line contains `text`, or 0. */
export async function findProcess(text: string): Promise<number> {
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.replaceAll('\0', ' ').includes(text)) return Number(name);
  }
  return 0;
}

/** Pids of a process and all its descendants, from /proc. */
async function processTree(root: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => null);
    if (!stat) continue;
    // The command may hold spaces and parentheses: the ppid follows the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const pids: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    pids.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return pids;
}

const CLOCK_TICKS = 100;

/** CPU time (user + system) used so far by a process and its descendants, in ms. */
export async function treeCpuMs(root: number): Promise<number> {
  let ticks = 0;
  for (const pid of await processTree(root)) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
    if (!stat) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat (11 and 12 after the command).
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / CLOCK_TICKS;
}

/** Resident memory of a process and its descendants now, in MB. */
export async function treeRssMb(root: number): Promise<number> {
  let kb = 0;
  for (const pid of await processTree(root)) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return kb / 1024;
}

/** Samples the tree's resident memory until stopped; returns the peak, in MB. */
export function watchTreeRss(root: number, everyMs = 20) {
  let peak = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      peak = Math.max(peak, await treeRssMb(root));
      await Bun.sleep(everyMs);
    }
  })();
  return {
    async stop(): Promise<number> {
      running = false;
      await done;
      return peak;
    },
  };
}
