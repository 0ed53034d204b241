import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { integer, pgTable } from 'drizzle-orm/pg-core';
import { loadConfig } from '../../src/config.ts';
import { openSqlite } from '../../src/db/database.ts';
import { createMetrics, PROCESS_METRICS } from '../../src/http/metrics.ts';
import { createWorkQueue } from '../../src/media/queue.ts';
import { Refusal } from '../../src/services/errors.ts';
import { createLocalStorage } from '../../src/storage/local.ts';
import { type Storage, StorageUnavailableError } from '../../src/storage/storage.ts';
import { file, jpeg } from '../helpers/images.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startPostgres } from '../support/postgres.ts';
import { declaredTypes, parseExposition, type Sample, sampleValue } from './exposition.ts';

const TOKEN = 'metrics-token-0123456789abcdef';
const bearer = { Authorization: `Bearer ${TOKEN}` };

async function scrape(server: TestServer): Promise<{ text: string; samples: Sample[] }> {
  const res = await fetch(`${server.url}/metrics`, { headers: bearer });
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, samples: parseExposition(text) };
}

/** Sends raw request bytes and returns the status of the reply (the socket closes after it). */
async function rawStatus(server: TestServer, request: string): Promise<number> {
  const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    received += chunk;
  });
  socket.write(request);
  await new Promise<void>((resolve, reject) => {
    socket.once('close', () => resolve());
    socket.once('error', reject);
  });
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1]);
}

/** Polls the metrics until `ready` holds (overall deadline: generous, the machine may be busy). */
async function scrapeUntil(
  server: TestServer,
  ready: (samples: Sample[]) => boolean,
): Promise<Sample[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { samples } = await scrape(server);
    if (ready(samples)) return samples;
    if (Date.now() > deadline) throw new Error('the metrics never showed the expected state');
    await Bun.sleep(20);
  }
}

describe('GET /metrics', () => {
  test('is off (the 404 envelope of any unknown path) without UPSHOT_METRICS_TOKEN', async () => {
    const server = await startTestServer();
    try {
      const res = await fetch(`${server.url}/metrics`, { headers: bearer });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({
        status_code: 404,
        error: { message: 'Not found', code: 404 },
        status_txt: 'Not Found',
      });
      expect(server.upshot.metrics.enabled).toBe(false);
    } finally {
      await server.stop();
    }
  });

  test('a token that is too short stops the start, without echoing it', () => {
    expect(() => loadConfig({ UPSHOT_METRICS_TOKEN: 'short-secret' })).toThrow(
      'UPSHOT_METRICS_TOKEN="<hidden>" is not valid',
    );
    expect(() => loadConfig({ UPSHOT_METRICS_TOKEN: 'short-secret' })).not.toThrow('short-secret');
  });
});

describe('GET /metrics with UPSHOT_METRICS_TOKEN', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ UPSHOT_METRICS_TOKEN: TOKEN });
  });
  afterAll(() => server.stop());

  test('answers 401 without the bearer token, with a wrong one, or with another scheme', async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { Authorization: 'Bearer wrong-token-0123456789abcdef' },
      { Authorization: `Bearer ${TOKEN}x` },
      { Authorization: `Basic ${btoa(`metrics:${TOKEN}`)}` },
      { Authorization: TOKEN },
    ];
    for (const headers of attempts) {
      const res = await fetch(`${server.url}/metrics`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      const body = await res.text();
      expect(JSON.parse(body).error.code).toBe(401);
      expect(body).not.toContain(TOKEN);
    }
  });

  test('counts uploads, bytes, refusals by status and code, latencies and file reads', async () => {
    const bytes = await jpeg(120, 90);
    const stored = await server.upload({ source: file(bytes, 'counted.jpg') });
    expect(stored.status).toBe(200);
    const image = ((await stored.json()) as { image: { url: string; size: number } }).image;
    // The same bytes again: a duplicate.
    expect((await server.upload({ source: file(bytes, 'again.jpg') })).status).toBe(200);
    // Refusals: an empty source (400, code 130), an unknown key (401, code 100), and a
    // declared body over the limit, refused before it is read (413, code 400).
    expect((await server.upload({ source: '' })).status).toBe(400);
    expect(
      (await server.upload({ source: file(bytes, 'x.jpg') }, { key: 'not-a-key' })).status,
    ).toBe(401);
    const tooBig = await rawStatus(
      server,
      'POST /api/1/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
        `X-API-Key: ${server.adminKey}\r\nContent-Length: ${10 ** 12}\r\n\r\n`,
    );
    expect(tooBig).toBe(413);
    // File reads: one found, one missing, one conditional.
    const read = await fetch(image.url);
    expect(read.status).toBe(200);
    const etag = read.headers.get('etag') ?? '';
    await read.arrayBuffer();
    expect((await fetch(image.url.replace(/\.jpg$/, '.nope.jpg'))).status).toBe(404);
    expect((await fetch(image.url, { headers: { 'If-None-Match': etag } })).status).toBe(304);

    const { text, samples } = await scrape(server);
    const types = declaredTypes(text);
    expect(types.get('upshot_uploads_total')).toBe('counter');
    expect(types.get('upshot_upload_duration_seconds')).toBe('histogram');
    expect(types.get('upshot_file_serve_duration_seconds')).toBe('histogram');
    expect(types.get('upshot_media_queue_wait_seconds')).toBe('histogram');

    const v = (name: string, labels?: Record<string, string>) => sampleValue(samples, name, labels);
    expect(v('upshot_uploads_total', { type: 'image', duplicate: 'false' })).toBe(1);
    expect(v('upshot_uploads_total', { type: 'image', duplicate: 'true' })).toBe(1);
    expect(v('upshot_upload_bytes_total')).toBe(2 * image.size);
    expect(v('upshot_upload_refusals_total', { status: '400', code: '130' })).toBe(1);
    expect(v('upshot_upload_refusals_total', { status: '401', code: '100' })).toBe(1);
    expect(v('upshot_upload_refusals_total', { status: '413', code: '400' })).toBe(1);
    expect(v('upshot_upload_duration_seconds_count', { outcome: 'stored' })).toBe(2);
    expect(v('upshot_upload_duration_seconds_count', { outcome: 'refused' })).toBe(3);
    // Every observation falls in the +Inf bucket; the sum is a positive time.
    expect(v('upshot_upload_duration_seconds_bucket', { outcome: 'stored', le: '+Inf' })).toBe(2);
    expect(v('upshot_upload_duration_seconds_sum', { outcome: 'stored' })).toBeGreaterThan(0);
    expect(v('upshot_file_serve_duration_seconds_count', { status: '200' })).toBe(1);
    expect(v('upshot_file_serve_duration_seconds_count', { status: '404' })).toBe(1);
    expect(v('upshot_file_serve_duration_seconds_count', { status: '304' })).toBe(1);
    // The images went through the media queue.
    expect(v('upshot_media_queue_wait_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(v('upshot_media_queue_depth')).toBe(0);
    expect(v('upshot_uploads_in_flight')).toBe(0);
    expect(v('upshot_draining')).toBe(0);
    // This scrape itself is a request in flight.
    expect(v('upshot_http_requests_in_flight')).toBeGreaterThanOrEqual(1);
    expect(v('upshot_storage_errors_total')).toBeUndefined();
    // Labels are few and bounded: never a path, a file name or an id.
    const labelNames = new Set(
      samples.filter((s) => s.name.startsWith('upshot_')).flatMap((s) => Object.keys(s.labels)),
    );
    expect([...labelNames].sort()).toEqual([
      'code',
      'duplicate',
      'le',
      'outcome',
      'status',
      'type',
    ]);
    for (const s of samples) {
      for (const value of Object.values(s.labels)) expect(value).toMatch(/^[\w.+]+$/);
    }
  });

  test('exports the process metrics that work under Bun, and none that do not', async () => {
    const { samples } = await scrape(server);
    for (const name of PROCESS_METRICS) {
      expect({ name, value: sampleValue(samples, name) }).toEqual({
        name,
        value: expect.any(Number),
      });
    }
    expect(sampleValue(samples, 'process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    expect(sampleValue(samples, 'process_open_fds')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    const names = new Set(samples.map((s) => s.name));
    for (const broken of [
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_gc_duration_seconds_count',
      'nodejs_heap_space_size_used_bytes',
      'nodejs_active_handles_total',
      'process_heap_bytes',
    ]) {
      expect(names.has(broken)).toBe(false);
    }
  });

  test('shows an upload in flight while its body is still arriving', async () => {
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    try {
      socket.write(
        'POST /api/1/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
          `X-API-Key: ${server.adminKey}\r\nContent-Type: application/json\r\n` +
          'Content-Length: 100000\r\n\r\n{"source":"',
      );
      const samples = await scrapeUntil(
        server,
        (s) => sampleValue(s, 'upshot_uploads_in_flight') === 1,
      );
      // The stalled upload and this scrape.
      expect(sampleValue(samples, 'upshot_http_requests_in_flight')).toBeGreaterThanOrEqual(2);
    } finally {
      socket.destroy();
    }
    await scrapeUntil(server, (s) => sampleValue(s, 'upshot_uploads_in_flight') === 0);
  });

  test('counts a full database as a database error of kind "full", answered 507', async () => {
    // SQLite refuses to grow past max_page_count with SQLITE_FULL, as on a full disk.
    const handle = server.upshot.database.sqlite?.handle;
    if (!handle) throw new Error('the test server runs on SQLite');
    const pages = handle.query<{ page_count: number }, []>('PRAGMA page_count').get();
    handle.exec(`PRAGMA max_page_count = ${pages?.page_count}`);
    let refused: Response | null = null;
    try {
      for (let i = 0; i < 200 && !refused; i++) {
        const res = await server.upload({
          source: file(await jpeg(40 + i, 40), `fill-${i}.jpg`),
          description: 'd'.repeat(2000),
        });
        if (res.status !== 200) refused = res;
        else await res.arrayBuffer();
      }
    } finally {
      handle.exec('PRAGMA max_page_count = 1073741823');
    }
    if (!refused) throw new Error('the database never filled up');
    expect(refused.status).toBe(507);
    expect(((await refused.json()) as { error: { code: number } }).error.code).toBe(104);
    const { samples } = await scrape(server);
    expect(sampleValue(samples, 'upshot_database_errors_total', { kind: 'full' })).toBeGreaterThan(
      0,
    );
    expect(
      sampleValue(samples, 'upshot_upload_refusals_total', { status: '507', code: '104' }),
    ).toBe(1);
  });
});

describe('storage failures', () => {
  test('are counted by operation and kind, as are the 503s they cause', async () => {
    const mediaDir = await mkdtemp(join(tmpdir(), 'upshot-metrics-media-'));
    const local = createLocalStorage(mediaDir);
    let down = false;
    const unavailable = () => Promise.reject(new StorageUnavailableError('bucket unreachable'));
    const storage: Storage = {
      ...local,
      putAll: (files) => (down ? unavailable() : local.putAll(files)),
      get: (key) => (down ? unavailable() : local.get(key)),
    };
    const server = await startTestServer({ UPSHOT_METRICS_TOKEN: TOKEN }, { server: { storage } });
    try {
      const first = await server.upload({ source: file(await jpeg(50, 50), 'ok.jpg') });
      const { url } = ((await first.json()) as { image: { url: string } }).image;
      down = true;
      const upload = await server.upload({ source: file(await jpeg(60, 60), 'down.jpg') });
      expect(upload.status).toBe(503);
      expect((await fetch(url)).status).toBe(503);
      down = false;
      expect((await fetch(url)).status).toBe(200);

      const { samples } = await scrape(server);
      const v = (name: string, labels?: Record<string, string>) =>
        sampleValue(samples, name, labels);
      // Two writes failed: the bytes received (stored while the image is processed), then
      // the variants.
      expect(v('upshot_storage_errors_total', { operation: 'put', kind: 'unavailable' })).toBe(2);
      expect(v('upshot_storage_errors_total', { operation: 'get', kind: 'unavailable' })).toBe(1);
      expect(v('upshot_upload_refusals_total', { status: '503', code: '105' })).toBe(1);
      expect(v('upshot_file_serve_duration_seconds_count', { status: '503' })).toBe(1);
      expect(v('upshot_file_serve_duration_seconds_count', { status: '200' })).toBe(1);
      expect(v('upshot_database_errors_total')).toBeUndefined();
    } finally {
      await server.stop();
      await rm(mediaDir, { recursive: true, force: true });
    }
  });
});

describe('database unavailable (PostgreSQL down)', () => {
  test('counts errors of kind "unavailable" and the 503 code 106 refusals', async () => {
    const pg = await startPostgres();
    const server = await startTestServer({
      UPSHOT_METRICS_TOKEN: TOKEN,
      UPSHOT_DATABASE_URL: pg.url,
    });
    try {
      expect((await server.upload({ source: file(await jpeg(70, 70), 'before.jpg') })).status).toBe(
        200,
      );
      await pg.kill();
      const res = await server.upload({ source: file(await jpeg(71, 70), 'during.jpg') });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: number } }).error.code).toBe(106);
      const { samples } = await scrape(server);
      expect(
        sampleValue(samples, 'upshot_database_errors_total', { kind: 'unavailable' }),
      ).toBeGreaterThan(0);
      expect(
        sampleValue(samples, 'upshot_upload_refusals_total', { status: '503', code: '106' }),
      ).toBe(1);
      expect(
        sampleValue(samples, 'upshot_uploads_total', { type: 'image', duplicate: 'false' }),
      ).toBe(1);
    } finally {
      await server.stop().catch(() => {});
      await pg.stop();
    }
  }, 120_000);
});

describe('the parts the metrics read', () => {
  test('database errors: a failed query counts as "other"; a refusal rolled back in a transaction does not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'upshot-metrics-db-'));
    const metrics = await createMetrics(true);
    const database = metrics.meterDatabase(await openSqlite(join(dir, 'db.sqlite')));
    try {
      const missing = pgTable('no_such_table', { id: integer('id') });
      await expect(database.run((db) => db.select().from(missing))).rejects.toThrow();
      await expect(
        database.tx(async () => {
          throw new Refusal('album-not-found');
        }),
      ).rejects.toThrow(Refusal);
      await database.ping();
      const samples = parseExposition((await metrics.render()).body);
      expect(sampleValue(samples, 'upshot_database_errors_total', { kind: 'other' })).toBe(1);
      expect(
        samples.filter((s) => s.name === 'upshot_database_errors_total').map((s) => s.labels.kind),
      ).toEqual(['other']);
    } finally {
      await database.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the media queue reports how long each task waited for its slot', async () => {
    const waits: number[] = [];
    const queue = createWorkQueue(1, { onWait: (seconds) => waits.push(seconds) });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = queue.run(() => gate);
    const queuedAt = performance.now();
    const second = queue.run(async () => 'second');
    expect(queue.waiting).toBe(1);
    // Some real work while the second task waits.
    await jpeg(200, 200);
    const releasedAt = performance.now();
    release();
    expect(await second).toBe('second');
    await first;
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeLessThan(waits[1] ?? 0);
    expect(waits[1]).toBeGreaterThanOrEqual((releasedAt - queuedAt) / 1000 - 0.001);
  });
});
