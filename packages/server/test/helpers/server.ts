import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { type Config, loadConfig } from '../../src/config.ts';
import type { Repositories } from '../../src/db/repositories/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { createServer, type ServerOptions, type UpshotServer } from '../../src/server.ts';
import type { Instance } from '../../src/services/instance.ts';
import { freePort } from '../support/process.ts';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef0123456789';

/** A clock tests can move forward. */
export function createClock(start = new Date()) {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance(ms: number) {
      current += ms;
    },
  };
}

export interface TestServer {
  url: string;
  config: Config;
  repos: Repositories;
  instance: Instance;
  /** The whole server (database, storage, jobs), as src/main.ts starts it. */
  upshot: UpshotServer;
  guestKey: string;
  adminKey: string;
  dataDir: string;
  clock: ReturnType<typeof createClock>;
  /** Upload helper: POST /api/1/upload with a FormData body. */
  upload(
    form: FormData | Record<string, string | Blob>,
    init?: {
      key?: string | null;
      path?: string;
      headers?: Record<string, string>;
      redirect?: RequestRedirect;
    },
  ): Promise<Response>;
  /** Every file under the data folder except the database, as relative paths. */
  files(): Promise<string[]>;
  /** Image rows, pending ones too. */
  imageCount(): Promise<number>;
  stop(): Promise<void>;
}

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .filter((path) => !path.startsWith('upshot.sqlite'))
    .sort();
}

/**
 * Starts the real server (createServer, as src/main.ts does) on 127.0.0.1 with a real
 * SQLite file in a fresh temp folder, its background jobs running.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  options: {
    dataDir?: string;
    clock?: ReturnType<typeof createClock>;
    server?: Omit<ServerOptions, 'now'>;
  } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'upshot-test-')));
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    UPSHOT_BASE_URL: `http://127.0.0.1:${port}`,
    UPSHOT_DATA_DIR: dataDir,
    UPSHOT_ADMIN_KEY: ADMIN_KEY,
    UPSHOT_LOG_REQUESTS: 'false',
    // Most tests sign people up; the invitation default is tested on its own.
    UPSHOT_SIGNUPS: 'open',
    ...env,
  });
  const clock = options.clock ?? createClock();
  const upshot = await createServer(config, {
    log: silentLogger,
    ...options.server,
    now: clock.now,
  });
  upshot.listen(port, '127.0.0.1');
  await upshot.startJobs();
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    config,
    repos: upshot.repos,
    instance: upshot.instance,
    upshot,
    guestKey: upshot.instance.guestKey,
    adminKey: env.UPSHOT_ADMIN_KEY ?? ADMIN_KEY,
    dataDir,
    clock,
    upload(form, init = {}) {
      const body = form instanceof FormData ? form : toForm(form);
      const headers: Record<string, string> = { ...init.headers };
      const key = init.key === undefined ? (env.UPSHOT_ADMIN_KEY ?? ADMIN_KEY) : init.key;
      if (key !== null) headers['X-API-Key'] = key;
      return fetch(`${url}${init.path ?? '/api/1/upload'}`, {
        method: 'POST',
        body,
        headers,
        redirect: init.redirect ?? 'follow',
      });
    },
    files: () => listFiles(dataDir),
    imageCount: () => upshot.repos.images.countRows(),
    async stop() {
      await upshot.stop(0);
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function toForm(fields: Record<string, string | Blob>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (value instanceof File) form.append(name, value, value.name);
    else form.append(name, value);
  }
  return form;
}
