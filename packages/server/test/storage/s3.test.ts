/**
 * The S3 driver against s3rver, a FAKE S3 server (test/support/s3rver.ts) run as a child
 * process, plus endpoints that refuse connections or never answer.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { s3OptionsFromEnv } from '../../src/config/s3.ts';
import { serveStoredFile } from '../../src/http/serve-file.ts';
import { createS3Storage, S3_PART_SIZE, type S3StorageOptions } from '../../src/storage/s3.ts';
import { type Storage, StorageUnavailableError } from '../../src/storage/storage.ts';
import { type S3rverHandle, type S3rverRequest, startS3rver } from '../support/s3rver.ts';
import { listAll, patterned, readBody, storageContract } from './contract.ts';

let fake: S3rverHandle;
let tmp: string;
let prefixes = 0;

beforeAll(async () => {
  fake = await startS3rver();
  tmp = await mkdtemp(join(tmpdir(), 'upshot-s3-test-'));
});
afterAll(async () => {
  await fake?.stop();
  await rm(tmp, { recursive: true, force: true });
});

const optionsFor = (server: S3rverHandle): S3StorageOptions => ({
  endpoint: server.endpoint,
  bucket: server.bucket,
  region: server.region,
  accessKeyId: server.accessKeyId,
  secretAccessKey: server.secretAccessKey,
});

/** A driver on the fake S3 server, under a prefix no other test uses. */
const fresh = (extra: Partial<S3StorageOptions> = {}): Storage =>
  createS3Storage({ ...optionsFor(fake), prefix: `t${++prefixes}`, ...extra });

/** Rejects with StorageUnavailableError, and took `elapsed` ms to do so. */
async function unavailableIn(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  const error = await work().then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StorageUnavailableError);
  return performance.now() - started;
}

/** Every operation of the interface, each expected to fail as unavailable. */
const operations = (storage: Storage): Array<[string, () => Promise<unknown>]> => [
  ['putAll', () => storage.putAll([{ key: 'images/a.png', bytes: new Uint8Array([1, 2]) }])],
  ['get', () => storage.get('images/a.png')],
  ['exists', () => storage.exists('images/a.png')],
  ['deleteAll', () => storage.deleteAll(['images/a.png'])],
  ['list', () => listAll(storage, 'images/')],
  ['ping', () => storage.ping()],
];

async function sha256OfStream(stream: ReadableStream<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  const reader = stream.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    hash.update(read.value);
  }
  return hash.digest('hex');
}

describe('S3 storage on a fake S3 server (s3rver): the shared storage contract', () => {
  storageContract(async () => fresh());
});

describe('S3 storage on a fake S3 server (s3rver)', () => {
  test('a file over 16 MB from a path goes up as a multipart upload and comes back byte for byte', async () => {
    const storage = fresh();
    const size = 2 * S3_PART_SIZE + 1_234_567;
    const source = join(tmp, 'big.part');
    // Written in pieces; the driver reads it from disk in pieces too.
    const out = Bun.file(source).writer();
    const piece = 1024 * 1024;
    for (let offset = 0; offset < size; offset += piece) {
      out.write(patterned(Math.min(piece, size - offset), offset / piece));
    }
    await out.end();
    const expected = await sha256OfStream(Bun.file(source).stream());

    await storage.putAll([{ key: 'videos/2026/01/01/big.mp4', path: source }]);

    const objectPath = `/${fake.bucket}/t${prefixes}/videos/2026/01/01/big.mp4`;
    // The completion comes last; the fake's log is in order, so every part is in by then.
    await fake.waitForRequest(
      (r) => r.method === 'POST' && r.url.startsWith(`${objectPath}?uploadId=`),
    );
    const parts = fake.requests.filter(
      (r) => r.method === 'PUT' && r.url.startsWith(`${objectPath}?`) && /partNumber=/.test(r.url),
    );
    expect(parts.map((part) => part.contentLength)).toEqual([
      String(S3_PART_SIZE),
      String(S3_PART_SIZE),
      '1234567',
    ]);
    expect(
      fake.requests.some((r) => r.method === 'POST' && r.url === `${objectPath}?uploads=`),
    ).toBe(true);

    const stored = await storage.get('videos/2026/01/01/big.mp4');
    expect(stored?.size).toBe(size);
    const body = stored!.body();
    expect(body).toBeInstanceOf(ReadableStream);
    expect(await sha256OfStream(body as ReadableStream<Uint8Array>)).toBe(expected);
    // Across the boundary of the first two parts.
    const around = await readBody(stored!.body(S3_PART_SIZE - 10, S3_PART_SIZE + 10));
    expect(around).toEqual(
      new Uint8Array(
        await Bun.file(source)
          .slice(S3_PART_SIZE - 10, S3_PART_SIZE + 10)
          .bytes(),
      ),
    );
  });

  test('body(start, end) asks the store for that range alone', async () => {
    const storage = fresh();
    const bytes = patterned(100_000);
    await storage.putAll([{ key: 'images/r.png', bytes }]);
    const stored = await storage.get('images/r.png');
    expect(await readBody(stored!.body(1000, 2000))).toEqual(bytes.slice(1000, 2000));
    const request = await fake.waitForRequest(
      (r) => r.method === 'GET' && r.url.startsWith(`/${fake.bucket}/t${prefixes}/images/r.png?`),
    );
    expect(request.range).toBe('bytes=1000-1999');
  });

  test('an object is served over HTTP whole and by range', async () => {
    const storage = fresh();
    const bytes = patterned(50_000);
    await storage.putAll([{ key: 'images/served.png', bytes }]);
    const server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: async (request) =>
        serveStoredFile(request, (await storage.get('images/served.png'))!, {
          contentType: 'image/png',
          maxAge: 60,
        }),
    });
    try {
      // Bun.serve sends a stream body chunked, dropping its Content-Length (oven-sh/bun#10507).
      const whole = await fetch(server.url);
      expect(whole.status).toBe(200);
      expect(await readBody(await whole.blob())).toEqual(bytes);
      const part = await fetch(server.url, { headers: { Range: 'bytes=0-0' } });
      expect({
        status: part.status,
        range: part.headers.get('content-range'),
        body: new Uint8Array(await part.arrayBuffer()),
      }).toEqual({ status: 206, range: 'bytes 0-0/50000', body: bytes.slice(0, 1) });
    } finally {
      await server.stop(true);
    }
  });

  test('keys live under the prefix; drivers with different prefixes do not see each other', async () => {
    const alpha = createS3Storage({ ...optionsFor(fake), prefix: 'alpha' });
    const beta = createS3Storage({ ...optionsFor(fake), prefix: '/beta/one/' });
    await alpha.putAll([{ key: 'images/same.png', bytes: new Uint8Array([1]) }]);
    await beta.putAll([{ key: 'images/same.png', bytes: new Uint8Array([2, 2]) }]);

    expect(await readBody((await alpha.get('images/same.png'))!.body())).toEqual(
      new Uint8Array([1]),
    );
    expect((await beta.get('images/same.png'))?.size).toBe(2);
    expect((await listAll(alpha, '')).map((entry) => entry.key)).toEqual(['images/same.png']);
    expect((await listAll(beta, 'images/')).map((entry) => entry.key)).toEqual(['images/same.png']);
    await fake.waitForRequest(
      (r) => r.method === 'PUT' && r.url.startsWith(`/${fake.bucket}/beta/one/images/same.png`),
    );

    // Seen without a prefix, the bucket holds both under their prefixes.
    const whole = createS3Storage(optionsFor(fake));
    const keys = (await listAll(whole, '')).map((entry) => entry.key);
    expect(keys).toContain('alpha/images/same.png');
    expect(keys).toContain('beta/one/images/same.png');
    await alpha.deleteAll(['images/same.png']);
    expect(await beta.exists('images/same.png')).toBe(true);
  });

  test('list follows continuation tokens through many pages', async () => {
    const storage = fresh({ listPageSize: 2 });
    const keys = Array.from({ length: 7 }, (_, i) => `images/p/${i}.png`);
    await storage.putAll(keys.map((key) => ({ key, bytes: new Uint8Array([1]) })));
    expect((await listAll(storage, 'images/')).map((entry) => entry.key)).toEqual(keys);
    const isPage = (r: S3rverRequest) =>
      r.method === 'GET' &&
      r.url.includes('list-type=2') &&
      r.url.includes(`prefix=t${prefixes}%2Fimages%2F`);
    // 7 keys, 2 a page: the first page and three more by continuation token.
    await fake.waitForRequest(() => fake.requests.filter(isPage).length >= 4);
    const pages = fake.requests.filter(isPage);
    expect(pages.map((r) => r.url.includes('continuation-token='))).toEqual([
      false,
      true,
      true,
      true,
    ]);
  });

  test('settings from the environment drive a working driver', async () => {
    const storage = createS3Storage(
      s3OptionsFromEnv({
        UPSHOT_S3_ENDPOINT: fake.endpoint,
        UPSHOT_S3_BUCKET: fake.bucket,
        AWS_ACCESS_KEY_ID: fake.accessKeyId,
        AWS_SECRET_ACCESS_KEY: fake.secretAccessKey,
        UPSHOT_S3_PREFIX: 'from-env',
        UPSHOT_STORAGE_TIMEOUT_S: '5',
      }),
    );
    await storage.ping();
    await storage.putAll([{ key: 'images/env.png', bytes: new Uint8Array([9]) }]);
    expect(await storage.exists('images/env.png')).toBe(true);
    await fake.waitForRequest((r) => r.url.startsWith(`/${fake.bucket}/from-env/images/env.png`));
  });

  test('a store that is paused (accepts, never answers) is unavailable within the timeout, then answers again', async () => {
    const storage = fresh({ timeoutMs: 1000 });
    await storage.putAll([{ key: 'images/z.png', bytes: patterned(300_000) }]);
    const stored = await storage.get('images/z.png');
    fake.pause();
    try {
      expect(await unavailableIn(() => storage.ping())).toBeLessThan(1000 + 10_000);
      expect(await unavailableIn(() => storage.get('images/z.png'))).toBeLessThan(1000 + 10_000);
      // A read that was looked up before the store stalled ends too.
      expect(await unavailableIn(() => readBody(stored!.body()))).toBeLessThan(1000 + 10_000);
    } finally {
      fake.resume();
    }
    await storage.ping();
    expect(await readBody((await storage.get('images/z.png'))!.body(0, 10))).toEqual(
      patterned(300_000).slice(0, 10),
    );
  });

  test('a store that is down refuses at once; restarted, it has the same objects', async () => {
    const storage = fresh();
    await storage.putAll([{ key: 'images/k.png', bytes: new Uint8Array([5, 6]) }]);
    await fake.kill();
    try {
      for (const [name, run] of operations(storage)) {
        const elapsed = await unavailableIn(run);
        expect({ name, fast: elapsed < 5000 }).toEqual({ name, fast: true });
      }
    } finally {
      await fake.restart();
    }
    await storage.ping();
    expect((await storage.get('images/k.png'))?.size).toBe(2);
  });
});

describe('S3 storage: writes the store refuses (fake S3 server)', () => {
  test('403 on the second file: putAll rejects (not as unavailable) and removes the first', async () => {
    const refusing = await startS3rver({ refuse: 'refused', refuseStatus: 403 });
    try {
      const storage = createS3Storage({ ...optionsFor(refusing), prefix: 'r' });
      const error = await storage
        .putAll([
          { key: 'images/ok.png', bytes: patterned(2000) },
          { key: 'images/refused.png', bytes: patterned(10) },
        ])
        .then(
          () => null,
          (caught: unknown) => caught,
        );
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(StorageUnavailableError);
      expect(await storage.exists('images/ok.png')).toBe(false);
      expect(await listAll(storage, '')).toEqual([]);
      await refusing.waitForRequest(
        (r) => r.method === 'DELETE' && r.url.startsWith(`/${refusing.bucket}/r/images/ok.png?`),
      );
    } finally {
      await refusing.stop();
    }
  });

  test('503 on a multipart part: StorageUnavailableError, and the other files are removed', async () => {
    const busy = await startS3rver({ refuse: 'partNumber=2', refuseStatus: 503 });
    try {
      const storage = createS3Storage({ ...optionsFor(busy), prefix: 'b' });
      const source = join(tmp, 'busy.part');
      await Bun.write(source, patterned(S3_PART_SIZE + 100_000));
      await unavailableIn(() =>
        storage.putAll([
          { key: 'images/small.png', bytes: patterned(2000) },
          { key: 'videos/large.mp4', path: source },
        ]),
      );
      expect(await listAll(storage, '')).toEqual([]);
    } finally {
      await busy.stop();
    }
  });
});

describe('S3 storage: a multipart upload refused half-way (fake S3 server)', () => {
  test('403 on the second part: putAll rejects, and no part of the file is left', async () => {
    const refusing = await startS3rver({ refuse: 'partNumber=2', refuseStatus: 403 });
    try {
      const storage = createS3Storage({ ...optionsFor(refusing), prefix: 'h' });
      const source = join(tmp, 'half.part');
      await Bun.write(source, patterned(2 * S3_PART_SIZE + 10));
      const error = await storage.putAll([{ key: 'videos/half.mp4', path: source }]).then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(StorageUnavailableError);
      expect(await storage.exists('videos/half.mp4')).toBe(false);
      // Nothing completed the upload with the parts it had.
      expect(
        refusing.requests.some((r) => r.method === 'POST' && r.url.includes('uploadId=')),
      ).toBe(false);
    } finally {
      await refusing.stop();
    }
  });
});

describe('S3 storage: endpoints that cannot be reached', () => {
  test('a closed port: every operation fails as unavailable at once', async () => {
    const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
    const port = probe.port;
    probe.stop(true);
    const storage = createS3Storage({
      endpoint: `http://127.0.0.1:${port}`,
      bucket: 'nowhere',
      region: 'us-east-1',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
      timeoutMs: 10_000,
    });
    for (const [name, run] of operations(storage)) {
      const elapsed = await unavailableIn(run);
      expect({ name, fast: elapsed < 5000 }).toEqual({ name, fast: true });
    }
  });

  test('a port that accepts connections and never answers: every operation fails within the timeout', async () => {
    let connections = 0;
    const silent = Bun.listen({
      hostname: '127.0.0.1',
      port: 0,
      socket: {
        open() {
          connections++;
        },
        data() {},
      },
    });
    try {
      const timeoutMs = 500;
      const storage = createS3Storage({
        endpoint: `http://127.0.0.1:${silent.port}`,
        bucket: 'silent',
        region: 'us-east-1',
        accessKeyId: 'id',
        secretAccessKey: 'secret',
        timeoutMs,
      });
      const source = join(tmp, 'hang.part');
      await Bun.write(source, patterned(1000));
      const runs: Array<[string, () => Promise<unknown>]> = [
        ...operations(storage),
        ['putAll from a path', () => storage.putAll([{ key: 'images/h.png', path: source }])],
      ];
      for (const [name, run] of runs) {
        const elapsed = await unavailableIn(run);
        // putAll waits once for the write and once for its undo.
        const bound = name.startsWith('putAll') ? 2 * timeoutMs : timeoutMs;
        expect({
          name,
          waited: elapsed >= timeoutMs * 0.9,
          bounded: elapsed < bound + 5000,
        }).toEqual({ name, waited: true, bounded: true });
      }
      expect(connections).toBeGreaterThan(0);
    } finally {
      silent.stop(true);
    }
  });
});
