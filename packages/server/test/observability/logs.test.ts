import { describe, expect, test } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { createLogger, formatLine, scrubText } from '../../src/logger.ts';
import { createLocalStorage } from '../../src/storage/local.ts';
import type { Storage } from '../../src/storage/storage.ts';
import { file, jpeg } from '../helpers/images.ts';
import { ADMIN_KEY, startTestServer } from '../helpers/server.ts';
import { freePort } from '../support/process.ts';

interface JsonLine {
  time: string;
  level: string;
  message: string;
  requestId?: string;
  fields?: Record<string, unknown>;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Every line parses as one JSON object with a time, a level and a message. */
function parseLines(lines: string[]): JsonLine[] {
  return lines.map((line) => {
    expect(line).not.toContain('\n');
    const parsed = JSON.parse(line) as JsonLine;
    expect(parsed.time).toMatch(ISO);
    expect(['info', 'warn', 'error']).toContain(parsed.level);
    expect(typeof parsed.message).toBe('string');
    return parsed;
  });
}

describe('the JSON log format', () => {
  test('UPSHOT_LOG_FORMAT is text by default, json on request, and refuses anything else', () => {
    expect(loadConfig({}).logFormat).toBe('text');
    expect(loadConfig({ UPSHOT_LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(() => loadConfig({ UPSHOT_LOG_FORMAT: 'yaml' })).toThrow('UPSHOT_LOG_FORMAT');
  });

  test('one object per line: time, level, message, requestId lifted out of the fields', () => {
    const line = formatLine(
      'json',
      'info',
      'upload',
      { requestId: 'r-1', id: 7, bytes: 10 },
      new Date('2026-01-02T03:04:05.678Z'),
    );
    expect(JSON.parse(line)).toEqual({
      time: '2026-01-02T03:04:05.678Z',
      level: 'info',
      message: 'upload',
      requestId: 'r-1',
      fields: { id: 7, bytes: 10 },
    });
    expect(JSON.parse(formatLine('json', 'error', 'x', undefined))).not.toHaveProperty('fields');
  });

  test('fields named like secrets are redacted, and errors lose query parameters and URL passwords', () => {
    const driverError = new Error(
      'Failed query: select * from sessions where id = $1\nparams: s3cr3t-session-id',
    );
    const wrapped = new Error('could not reach postgres://upshot:hunter2@db:5432/upshot', {
      cause: driverError,
    });
    const line = formatLine('json', 'error', 'request failed', {
      requestId: 'r-2',
      apiKey: 'k-123',
      deleteToken: 'd-456',
      cookie: 'upshot_session=abc',
      headers: { authorization: 'Bearer t-789', 'x-api-key': 'k-000' },
      error: wrapped,
    });
    for (const secret of ['k-123', 'd-456', 'abc', 't-789', 'k-000', 'hunter2', 's3cr3t']) {
      expect(line).not.toContain(secret);
    }
    const parsed = JSON.parse(line);
    expect(parsed.fields.apiKey).toBe('[redacted]');
    expect(parsed.fields.error.message).toBe(
      'could not reach postgres://<credentials>@db:5432/upshot',
    );
    expect(parsed.fields.error.cause.message).toBe(
      'Failed query: select * from sessions where id = $1\nparams: [redacted]',
    );
    expect(scrubText('no secrets here')).toBe('no secrets here');
  });

  test('text stays the default format, with the same redaction', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (line) => lines.push(line) });
    log.info('upload', { requestId: 'r-3', deleteToken: 'd-999' });
    log.error('upload failed', { requestId: 'r-3' });
    expect(lines[0]).toMatch(/^\S+Z upload \{"requestId":"r-3","deleteToken":"\[redacted\]"\}$/);
    expect(lines[1]).toMatch(/^\S+Z ERROR upload failed \{"requestId":"r-3"\}$/);
  });
});

describe('JSON logs of a running server', () => {
  test('every line of a request carries its id, sent back as X-Request-Id, and no secret', async () => {
    const lines: string[] = [];
    const log = createLogger({ format: 'json', write: (line) => lines.push(line) });
    const mediaDir = await mkdtemp(join(tmpdir(), 'upshot-logs-media-'));
    const local = createLocalStorage(mediaDir);
    let failing = false;
    // An unexpected failure whose message carries credentials, as a driver's might.
    const boom = () => Promise.reject(new Error('connect to https://minio:s3cr3t-pass@bucket'));
    const storage: Storage = {
      ...local,
      putAll: (files) => (failing ? boom() : local.putAll(files)),
      get: (key) => (failing ? boom() : local.get(key)),
    };
    const server = await startTestServer({}, { server: { log, storage } });
    const cookie = 'upshot_session=cookie-value-0123456789';
    const wrongKey = 'wrong-key-0123456789abcdef0123456789';
    try {
      const ok = await server.upload(
        { source: file(await jpeg(80, 60), 'logged.jpg') },
        { headers: { Cookie: cookie } },
      );
      expect(ok.status).toBe(200);
      const image = (
        (await ok.json()) as { image: { url: string; delete_url: string; id_encoded: string } }
      ).image;
      const deleteToken = image.delete_url.split('/').pop() ?? '';
      const refused = await server.upload(
        { source: file(await jpeg(81, 60), 'refused.jpg') },
        { key: wrongKey },
      );
      expect(refused.status).toBe(401);
      failing = true;
      const failed = await server.upload({ source: file(await jpeg(82, 60), 'failed.jpg') });
      expect(failed.status).toBe(500);
      const unreadable = await fetch(image.url);
      expect(unreadable.status).toBe(503);

      const parsed = parseLines(lines);
      const byMessage = (message: string) => parsed.filter((line) => line.message === message);
      const idOf = (res: Response) => res.headers.get('x-request-id') ?? 'no X-Request-Id';
      expect(byMessage('upload').map((l) => l.requestId)).toEqual([idOf(ok)]);
      expect(byMessage('upload refused').map((l) => l.requestId)).toEqual([idOf(refused)]);
      expect(byMessage('upload failed').map((l) => l.requestId)).toEqual([idOf(failed)]);
      expect(byMessage('file read failed').map((l) => l.requestId)).toEqual([idOf(unreadable)]);
      expect(byMessage('upload')[0]?.fields).toMatchObject({ type: 'image', duplicate: false });
      expect(byMessage('upload failed')[0]?.level).toBe('error');
      // The 500's envelope names the same id, so a user's report leads to the line.
      expect(((await failed.json()) as { error: { request_id: string } }).error.request_id).toBe(
        idOf(failed),
      );

      const text = lines.join('\n');
      for (const secret of [ADMIN_KEY, wrongKey, deleteToken, 'cookie-value', 's3cr3t-pass']) {
        expect({ secret, found: text.includes(secret) }).toEqual({ secret, found: false });
      }
    } finally {
      await server.stop();
      await rm(mediaDir, { recursive: true, force: true });
    }
  });

  test('the real process writes nothing but JSON lines, from start to shutdown', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'upshot-logs-process-'));
    const port = await freePort();
    const proc = Bun.spawn(['bun', join(import.meta.dir, '..', '..', 'src', 'index.ts')], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        UPSHOT_BASE_URL: `http://127.0.0.1:${port}`,
        UPSHOT_DATA_DIR: dataDir,
        UPSHOT_ADMIN_KEY: ADMIN_KEY,
        UPSHOT_LOG_FORMAT: 'json',
        UPSHOT_LOG_REQUESTS: 'true',
      },
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const stderr = new Response(proc.stderr).text();
    const out: string[] = [];
    const reader = proc.stdout.getReader();
    const decoder = new TextDecoder();
    let pending = '';
    const reading = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        pending += decoder.decode(value, { stream: true });
        const parts = pending.split('\n');
        pending = parts.pop() ?? '';
        out.push(...parts.filter((line) => line !== ''));
      }
    })();
    const deadline = Date.now() + 60_000;
    try {
      while (!out.some((line) => line.includes('Upshot is listening'))) {
        if (Date.now() > deadline || proc.exitCode !== null) {
          throw new Error(`the server did not start: ${out.join('\n')}`);
        }
        await Bun.sleep(50);
      }
      const form = new FormData();
      form.append('source', file(await jpeg(90, 60), 'process.jpg'));
      const res = await fetch(`http://127.0.0.1:${port}/api/1/upload`, {
        method: 'POST',
        headers: { 'X-API-Key': ADMIN_KEY },
        body: form,
      });
      expect(res.status).toBe(200);
      const { image } = (await res.json()) as { image: { delete_url: string } };
      proc.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
      await reading;

      const lines = parseLines(out);
      const errors = (await stderr).split('\n').filter((line) => line !== '');
      parseLines(errors);
      expect(lines.map((l) => l.message)).toEqual([
        expect.stringContaining('Upshot is listening on'),
        'upload',
        expect.stringContaining('SIGTERM: draining'),
      ]);
      expect(lines[1]?.requestId).toBe(res.headers.get('x-request-id') ?? '');
      const all = [...out, ...errors].join('\n');
      expect(all).not.toContain(ADMIN_KEY);
      expect(all).not.toContain(image.delete_url.split('/').pop() ?? '');
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      await proc.exited;
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
