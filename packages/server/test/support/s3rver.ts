/**
 * A FAKE S3 server for tests: s3rver (an npm package that imitates S3 on local disk) in a
 * child process on a free port, with one bucket in a temp folder. Being a process, it can
 * play an object store that hangs (pause: SIGSTOP, connections are accepted but never
 * answered) or is down (kill: connections are refused), and come back (resume, restart).
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subprocess } from 'bun';

/** One request as the fake S3 server received it. */
export interface S3rverRequest {
  method: string;
  /** Path and query: /bucket/key?partNumber=1&uploadId=... */
  url: string;
  range: string | null;
  contentLength: string | null;
}

export interface S3rverOptions {
  /** Writes (PUT/POST) to URLs containing this text are refused with `refuseStatus`. */
  refuse?: string;
  /** Status of a refused write; 403 (AccessDenied) unless set. */
  refuseStatus?: number;
}

export interface S3rverHandle {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Every request received so far, oldest first. */
  readonly requests: readonly S3rverRequest[];
  /** Waits (up to 20 s) until a received request matches, and returns it. */
  waitForRequest(match: (request: S3rverRequest) => boolean): Promise<S3rverRequest>;
  /** Freezes the process: connections are still accepted by the kernel, nothing answers. */
  pause(): void;
  resume(): void;
  /** Ends the process: connections to the port are refused. */
  kill(): Promise<void>;
  /** Starts the process again on the same port with the same stored objects. */
  restart(): Promise<void>;
  /** Ends the process and removes its folder. */
  stop(): Promise<void>;
}

// s3rver's built-in account.
const ACCESS_KEY_ID = 'S3RVER';
const SECRET_ACCESS_KEY = 'S3RVER';
const STARTUP_MS = 20_000;

export async function startS3rver(options: S3rverOptions = {}): Promise<S3rverHandle> {
  const directory = await mkdtemp(join(tmpdir(), 'upshot-s3rver-'));
  const bucket = 'upshot-test';
  const requests: S3rverRequest[] = [];
  let waiters: Array<() => void> = [];
  let child: Subprocess<'pipe', 'pipe', 'pipe'> | null = null;
  let port = 0;

  const notify = () => {
    const current = waiters;
    waiters = [];
    for (const wake of current) wake();
  };

  async function spawn(): Promise<void> {
    const proc = Bun.spawn([process.execPath, join(import.meta.dir, 's3rver-process.ts')], {
      env: {
        ...process.env,
        S3RVER_DIRECTORY: directory,
        S3RVER_BUCKET: bucket,
        S3RVER_PORT: String(port),
        S3RVER_REFUSE: options.refuse ?? '',
        S3RVER_REFUSE_STATUS: String(options.refuseStatus ?? 403),
      },
      // Kept open and never written: the child exits when it closes (this process ended).
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
    });
    child = proc;
    const stderr = new Response(proc.stderr).text();
    const listening = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('s3rver did not start in time')), STARTUP_MS);
      void (async () => {
        let buffered = '';
        let announced = false;
        const reader = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
        for (let read = await reader.read(); !read.done; read = await reader.read()) {
          buffered += read.value;
          let newline = buffered.indexOf('\n');
          while (newline >= 0) {
            const line = JSON.parse(buffered.slice(0, newline)) as Partial<S3rverRequest> & {
              port?: number;
            };
            buffered = buffered.slice(newline + 1);
            newline = buffered.indexOf('\n');
            if (!announced && typeof line.port === 'number') {
              announced = true;
              clearTimeout(timer);
              resolve(line.port);
            } else {
              requests.push(line as S3rverRequest);
              notify();
            }
          }
        }
        clearTimeout(timer);
        if (!announced) reject(new Error(`s3rver exited before listening: ${await stderr}`));
      })();
    });
    port = await listening;
  }

  await spawn();

  const handle: S3rverHandle = {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    region: 'us-east-1',
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET_ACCESS_KEY,
    requests,
    async waitForRequest(match) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const found = requests.find(match);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('The fake S3 server received no such request');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async kill() {
      const proc = child;
      child = null;
      if (!proc) return;
      // SIGKILL ends a paused process too.
      proc.kill('SIGKILL');
      await proc.exited;
    },
    async restart() {
      await handle.kill();
      await spawn();
    },
    async stop() {
      await handle.kill();
      await rm(directory, { recursive: true, force: true });
    },
  };
  return handle;
}
