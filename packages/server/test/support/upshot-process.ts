// The real server as an operator runs it: `bun src/index.ts` (the production bundle) in its
// own process, so tests can SIGKILL it, SIGTERM it and restart it on the same data.
import { join } from 'node:path';
import { freePort } from './process.ts';

const ENTRY = join(import.meta.dir, '..', '..', 'src', 'index.ts');
export const PROCESS_ADMIN_KEY = 'process-admin-key-0123456789abcdef01234567';

export interface UpshotProcess {
  url: string;
  port: number;
  pid: number;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number>;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Starts the server on a free port with this data folder and resolves once /healthz
 * answers 200. `env` adds to (and wins over) the defaults below.
 */
export async function startUpshotProcess(
  dataDir: string,
  env: Record<string, string> = {},
  port?: number,
  options: { entry?: string } = {},
): Promise<UpshotProcess> {
  const chosen = port ?? (await freePort());
  let output = '';
  const proc = Bun.spawn(['bun', options.entry ?? ENTRY], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      PORT: String(chosen),
      HOST: '127.0.0.1',
      UPSHOT_DATA_DIR: dataDir,
      UPSHOT_BASE_URL: `http://127.0.0.1:${chosen}`,
      UPSHOT_ADMIN_KEY: PROCESS_ADMIN_KEY,
      UPSHOT_LOG_REQUESTS: 'false',
      // The tests sign up freely; the default (invite) has its own tests.
      UPSHOT_SIGNUPS: 'open',
      ...env,
    },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      output += decoder.decode(value, { stream: true });
    }
  };
  void collect(proc.stdout);
  void collect(proc.stderr);
  const url = `http://127.0.0.1:${chosen}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) {
      throw new Error(`upshot exited with ${proc.exitCode} while starting:\n${output}`);
    }
    const ok = await fetch(`${url}/healthz`)
      .then((res) => res.status === 200)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`upshot did not answer /healthz within 60 s:\n${output}`);
    }
    await Bun.sleep(25);
  }
  return {
    url,
    port: chosen,
    pid: proc.pid,
    output: () => output,
    exited: proc.exited,
    kill: (signal = 'SIGTERM') => proc.kill(signal),
  };
}
