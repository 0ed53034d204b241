import { describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { type Logger, silentLogger } from '../src/logger.ts';
import { createServer, type ServerOptions } from '../src/server.ts';
import { createLocalStorage } from '../src/storage/local.ts';
import { type Storage, StorageFullError } from '../src/storage/storage.ts';
import { file, png } from './helpers/images.ts';
import { ADMIN_KEY } from './helpers/server.ts';

/** The server on a real port with its own storage; the database stays in `dbDir`. */
async function startWith(
  storage: Storage,
  dbDir: string,
  fetchSource?: ServerOptions['fetchSource'],
  log: Logger = silentLogger,
) {
  const config = loadConfig({
    UPSHOT_DATA_DIR: dbDir,
    UPSHOT_ADMIN_KEY: ADMIN_KEY,
    UPSHOT_LOG_REQUESTS: 'false',
  });
  const upshot = await createServer(config, { storage, fetchSource, log });
  const server = upshot.listen(0, '127.0.0.1');
  await upshot.startJobs();
  const url = `http://127.0.0.1:${server.port}`;
  const upload = (fields: Record<string, string | Blob>) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    return fetch(`${url}/api/1/upload`, {
      method: 'POST',
      headers: { 'X-API-Key': ADMIN_KEY },
      body: form,
    });
  };
  return {
    url,
    upload,
    rows: () => upshot.repos.images.countRows(),
    stop: () => upshot.stop(0),
  };
}

/** A tmpfs of `size` when this process may mount one (root, as in CI), else null. */
function mountTiny(dir: string, size: string): boolean {
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status === 0;
}

describe('storage full', () => {
  test('answers 507 code 104, leaves no file and no row, and keeps serving', async () => {
    const dbDir = await mkdtemp(join(tmpdir(), 'upshot-full-db-'));
    const mediaDir = await mkdtemp(join(tmpdir(), 'upshot-full-media-'));
    const mounted = mountTiny(mediaDir, '300k');
    // Without a real small disk (not root), a driver whose writes hit ENOSPC stands in.
    const local = createLocalStorage(mediaDir);
    const storage: Storage = mounted
      ? local
      : {
          ...local,
          putAll: async (files) =>
            files.some((f) => 'bytes' in f && f.bytes.length > 200_000)
              ? Promise.reject(new StorageFullError('ENOSPC'))
              : local.putAll(files),
        };
    const server = await startWith(storage, dbDir);
    try {
      const noise = Uint8Array.from(
        await (await import('sharp'))
          .default({
            create: {
              width: 400,
              height: 400,
              channels: 3,
              background: '#000',
              noise: { type: 'gaussian', mean: 128, sigma: 80 },
            },
          })
          .png()
          .toBuffer(),
      );
      expect(noise.length).toBeGreaterThan(300_000);
      const res = await server.upload({ source: file(noise, 'big.png') });
      expect({ status: res.status, body: await res.json() }).toEqual({
        status: 507,
        body: {
          status_code: 507,
          error: { message: 'No space left on storage', code: 104 },
          status_txt: 'Insufficient Storage',
        },
      });
      expect(await server.rows()).toBe(0);
      const left = (await readdir(mediaDir, { recursive: true, withFileTypes: true })).filter((e) =>
        e.isFile(),
      );
      expect(left.map((e) => e.name)).toEqual([]);
      const small = await server.upload({ source: file(await png(20, 20), 'small.png') });
      expect(small.status).toBe(200);
      expect(await server.rows()).toBe(1);
    } finally {
      await server.stop();
      if (mounted) spawnSync('umount', [mediaDir]);
      await rm(mediaDir, { recursive: true, force: true });
      await rm(dbDir, { recursive: true, force: true });
    }
  });
});

describe('an unexpected failure', () => {
  test('answers 500 "Internal error" with a request id and no detail, and the server keeps serving', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'upshot-500-'));
    await mkdir(dir, { recursive: true });
    const server = await startWith(createLocalStorage(dir), dir, async () => {
      throw new Error('secret internals at /etc/somewhere');
    });
    try {
      const res = await server.upload({ source: 'https://example.com/a.png' });
      const text = await res.text();
      const body = JSON.parse(text);
      expect(res.status).toBe(500);
      expect(body).toEqual({
        status_code: 500,
        error: {
          message: 'Internal error',
          code: 500,
          request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        },
        status_txt: 'Internal Server Error',
      });
      expect(res.headers.get('x-request-id')).toBe(body.error.request_id);
      expect(text).not.toContain('secret');
      expect(text).not.toContain('at ');
      expect(await server.rows()).toBe(0);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('logs', () => {
  test('one line per upload and per refusal, without the key, the delete token or the file name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'upshot-log-'));
    const lines: string[] = [];
    const capture: Logger = {
      info: (message, fields) => lines.push(`${message} ${JSON.stringify(fields)}`),
      error: (message, fields) => lines.push(`ERROR ${message} ${JSON.stringify(fields)}`),
    };
    const server = await startWith(createLocalStorage(dir), dir, undefined, capture);
    try {
      const ok = await (
        await server.upload({ source: file(await png(20, 20), 'private-name.png') })
      ).json();
      const token = ok.image.delete_url.split('/').pop();
      await fetch(`${server.url}/api/1/upload`, {
        method: 'POST',
        headers: { 'X-API-Key': 'wrong-key-0123456789' },
        body: new FormData(),
      });
      expect(lines).toEqual([
        expect.stringMatching(
          /^upload \{"requestId":"[0-9a-f-]{36}","id":1,"type":"image","bytes":\d+,"by":"user 1","duplicate":false,"ms":\d+\}$/,
        ),
        expect.stringMatching(
          /^upload refused \{"requestId":"[0-9a-f-]{36}","status":401,"code":100,"message":"Invalid API key."\}$/,
        ),
      ]);
      for (const secret of [ADMIN_KEY, token, 'private-name', 'wrong-key-0123456789']) {
        expect(lines.join('\n')).not.toContain(secret);
      }
    } finally {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
