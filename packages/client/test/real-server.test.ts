// The client against the real Upshot server (packages/server: the app, a real SQLite file,
// real image processing) on a free port. Upshot's replies follow the contract to the
// letter, so nothing is ever filled in (`missing` is empty), and every parameter must land
// in the database row, not only in the reply.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { Image } from '@upshot/schema';
import { jpeg, md5, png } from '@upshot/server/test-images';
import { startTestServer, type TestServer } from '@upshot/server/test-server';
import {
  createClient,
  ImgbbData,
  md5Matches,
  type UploadInput,
  type UploadProgressEvent,
  type UploadResult,
  UpshotError,
} from '../src/index.ts';
import type { Clock } from '../src/retry.ts';

let server: TestServer;
/** A plain web server the Upshot server fetches URL sources from. */
let origin: ReturnType<typeof Bun.serve>;
const originFiles = new Map<string, Uint8Array<ArrayBuffer>>();
let work: string;

beforeAll(async () => {
  [server, work] = await Promise.all([
    startTestServer({ UPSHOT_FETCH_ALLOW_PRIVATE: 'true' }),
    mkdtemp(join(tmpdir(), 'upshot-real-')),
  ]);
  origin = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch(request) {
      const bytes = originFiles.get(new URL(request.url).pathname);
      return bytes
        ? new Response(bytes, { headers: { 'Content-Type': 'image/png' } })
        : new Response('not found', { status: 404 });
    },
  });
});
afterAll(async () => {
  await Promise.all([server.stop(), origin.stop(true), rm(work, { recursive: true, force: true })]);
});

/** A fetch that records each request it passes on. */
function countingFetch() {
  const calls: string[] = [];
  const wrapped = ((input: RequestInfo | URL, init?: RequestInit) => {
    calls.push(String(input));
    return fetch(input, init);
  }) as typeof fetch;
  return { fetch: wrapped, calls };
}

const rowOf = async (idEncoded: string) => {
  const id = server.instance.ids.decode(idEncoded);
  if (id === null) throw new Error(`not an encoded id: ${idEncoded}`);
  const row = await server.repos.images.find(id);
  if (!row) throw new Error(`no image row ${id}`);
  return row;
};

async function served(url: string): Promise<{ status: number; md5: string }> {
  const response = await fetch(url);
  return { status: response.status, md5: md5(new Uint8Array(await response.arrayBuffer())) };
}

const base64Of = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
// Distinct colours: the server answers a repeated upload with the first image.
const colour = (i: number) => ({ r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 });

describe('every input kind', () => {
  type Case = {
    kind: string;
    /** Builds the input from the PNG bytes (and a path holding them). */
    input: (bytes: Uint8Array<ArrayBuffer>, path: string, url: string) => UploadInput;
    /** The name the server records (URL sources: the URL's file name), when there is one to expect. */
    filename?: string;
    url?: boolean;
  };
  const cases: Case[] = [
    { kind: 'a file path', input: (_, path) => path, filename: 'shot-0.png' },
    { kind: '{ path }', input: (_, path) => ({ path }), filename: 'shot-1.png' },
    { kind: 'a Uint8Array', input: (bytes) => bytes, filename: 'upload.png' },
    {
      kind: 'a Blob',
      input: (bytes) => new Blob([bytes], { type: 'image/png' }),
      filename: 'upload.png',
    },
    {
      kind: 'a File',
      input: (bytes) => new File([bytes], 'named file.png', { type: 'image/png' }),
      filename: 'named file.png',
    },
    {
      kind: '{ bytes, filename }',
      input: (bytes) => ({ bytes, filename: 'given.png' }),
      filename: 'given.png',
    },
    {
      kind: '{ bytes: Blob, filename }',
      input: (bytes) => ({ bytes: new Blob([bytes]), filename: 'blob.png' }),
      filename: 'blob.png',
    },
    { kind: 'a base64 string', input: (bytes) => base64Of(bytes) },
    { kind: '{ base64 }', input: (bytes) => ({ base64: base64Of(bytes) }) },
    { kind: 'a data: URL', input: (bytes) => `data:image/png;base64,${base64Of(bytes)}` },
    { kind: 'an http URL', input: (_, _path, url) => url, url: true },
    { kind: '{ url }', input: (_, _path, url) => ({ url }), url: true },
  ];

  test.each(cases.map((c, i) => [c.kind, i] as const))(
    '%s uploads; the typed image is complete and matches what was sent',
    async (_kind, i) => {
      const spec = cases[i]!;
      const width = 10 + i;
      const height = 7 + i;
      const bytes = await png(width, height, colour(i));
      const path = join(work, `shot-${i}.png`);
      await writeFile(path, bytes);
      originFiles.set(`/remote-${i}.png`, bytes);
      const client = createClient({ baseUrl: server.url, apiKey: server.adminKey });

      const result = await client.upload(spec.input(bytes, path, `${origin.url}remote-${i}.png`));

      expect(result.missing).toEqual([]);
      expect(Value.Check(Image, result.image)).toBe(true);
      const { image } = result;
      expect([image.width, image.height, image.mime, image.extension]).toEqual([
        width,
        height,
        'image/png',
        'png',
      ]);
      expect(image.md5).toBe(md5(bytes));
      expect(result.md5).toBe(spec.url ? '' : md5(bytes));
      expect(md5Matches(result)).toBe(spec.url ? null : true);
      const filename = spec.url ? `remote-${i}.png` : spec.filename;
      if (filename) expect(image.original_filename).toBe(filename);
      expect(image.delete_url).toMatch(
        new RegExp(`^${server.url}/image/${image.id_encoded}/delete/[0-9a-f]{48}$`),
      );
      // The reply is what the server sent, and the file it names is the one stored.
      expect((result.reply as { image: { url: string } }).image.url).toBe(image.url);
      expect(await served(image.url)).toEqual({ status: 200, md5: md5(bytes) });
      const row = await rowOf(image.id_encoded);
      expect([row.uploadMd5, row.md5, row.userId]).toEqual([md5(bytes), image.md5, 1]);
    },
  );
});

describe('every parameter lands on the server', () => {
  test('title, description, tags, album, category, width, expiration, nsfw', async () => {
    const album = await server.repos.albums.create({ userId: 1, name: 'Nightly', now: new Date() });
    const category = await server.repos.albums.createCategory('Screens', 'screens');
    const bytes = await jpeg(400, 300);
    const client = createClient({ baseUrl: server.url, apiKey: server.adminKey });

    const {
      image,
      md5: sent,
      missing,
    } = await client.upload(
      { bytes, filename: 'build.jpg' },
      {
        title: 'Build 42',
        description: 'Green run',
        tags: ['ci', 'nightly'],
        album_id: server.instance.ids.encode(album.id),
        category_id: category.id,
        width: 200,
        expiration: 'PT10M',
        nsfw: true,
      },
    );

    expect(missing).toEqual([]);
    expect({
      title: image.title,
      description: image.description,
      tags: image.tags.map((tag) => tag.name),
      category_id: image.category_id,
      size: [image.width, image.height],
      nsfw: image.nsfw,
      lifetime: Date.parse(`${image.expiration_date_gmt}Z`) - Date.parse(`${image.date_gmt}Z`),
    }).toEqual({
      title: 'Build 42',
      description: 'Green run',
      tags: ['ci', 'nightly'],
      category_id: category.id,
      size: [200, 150],
      nsfw: 1,
      lifetime: 10 * 60_000,
    });
    // Resized: the stored file is new, the reply says which bytes it came from.
    expect(image.source_md5).toBe(md5(bytes));
    expect(image.md5).not.toBe(sent);
    expect(md5Matches({ image, md5: sent, missing, reply: null })).toBe(true);
    expect((await served(image.url)).md5).toBe(image.md5);

    const row = await rowOf(image.id_encoded);
    expect({
      title: row.title,
      description: row.description,
      tags: row.tags,
      albumId: row.albumId,
      categoryId: row.categoryId,
      requestedWidth: row.requestedWidth,
      width: row.width,
      nsfw: row.nsfw,
      lifetime: (row.expiresAt?.getTime() ?? 0) - row.createdAt.getTime(),
      uploadMd5: row.uploadMd5,
    }).toEqual({
      title: 'Build 42',
      description: 'Green run',
      tags: ['ci', 'nightly'],
      albumId: album.id,
      categoryId: category.id,
      requestedWidth: 200,
      width: 200,
      nsfw: true,
      lifetime: 10 * 60_000,
      uploadMd5: sent,
    });
  });

  test('the other spellings: tags as text, nsfw false, expiration in seconds, category as text', async () => {
    const category = await server.repos.albums.createCategory('Other', 'other');
    const client = createClient({ baseUrl: server.url, apiKey: server.adminKey });
    const { image } = await client.upload(await png(30, 20, colour(40)), {
      tags: 'alpha, beta',
      nsfw: false,
      expiration: 3600,
      category_id: String(category.id),
    });
    const row = await rowOf(image.id_encoded);
    expect([row.tags, row.nsfw, row.categoryId, row.albumId]).toEqual([
      ['alpha', 'beta'],
      false,
      category.id,
      null,
    ]);
    expect((row.expiresAt?.getTime() ?? 0) - row.createdAt.getTime()).toBe(3600_000);
    expect(image.nsfw).toBe(0);
  });

  test('format txt: the reply is the bare URL, and that URL serves the file', async () => {
    const bytes = await png(14, 9, colour(41));
    const client = createClient({ baseUrl: server.url, apiKey: server.adminKey });
    const result = await client.upload(bytes, { format: 'txt', title: 'Plain' });
    expect(typeof result.reply).toBe('string');
    expect((result.reply as string).trim()).toBe(result.image.url);
    expect(result.image.url).toStartWith(`${server.url}/images/`);
    expect(await served(result.image.url)).toEqual({ status: 200, md5: md5(bytes) });
    // A bare URL says nothing else: the rest is filled in and listed.
    expect(result.missing).toContain('width');
    // The row behind the URL holds the title sent with it.
    const [, datePath, name] = /\/images\/(\d{4}\/\d{2}\/\d{2})\/([^/.]+)\.png$/.exec(
      result.image.url,
    ) ?? ['', '', ''];
    const rows = await server.repos.images.findLiveByName(datePath, [name], new Date());
    expect(rows.map((row) => [row.title, row.uploadMd5])).toEqual([['Plain', md5(bytes)]]);
  });
});

describe('the imgbb dialect', () => {
  test("against imgbb's own endpoint /1/upload: the key and the title go as imgbb names them", async () => {
    const bytes = await png(24, 12, colour(50));
    const calls = countingFetch();
    const client = createClient({
      baseUrl: server.url,
      apiKey: server.adminKey,
      endpoint: '/1/upload',
      fetch: calls.fetch,
    });
    const result = await client.upload(bytes, {
      dialect: 'imgbb',
      title: 'From imgbb',
      expiration: 600,
    });
    expect(calls.calls).toEqual([`${server.url}/1/upload`]);
    expect(result.missing).toEqual([]);
    expect(Value.Check(ImgbbData, result.data)).toBe(true);
    const { data } = result;
    expect({
      title: data.title,
      size: [data.width, data.height],
      expiration: data.expiration,
      url: data.image.url,
    }).toEqual({ title: 'From imgbb', size: [24, 12], expiration: '600', url: data.url });
    expect(Math.abs(Number(data.time) * 1000 - Date.now())).toBeLessThan(60_000);
    const row = await rowOf(data.id);
    expect([row.title, row.uploadMd5, result.md5]).toEqual(['From imgbb', md5(bytes), md5(bytes)]);
    expect(await served(data.url)).toEqual({ status: 200, md5: md5(bytes) });
    expect((await fetch(data.delete_url)).status).toBe(200);
  });

  test("against Upshot's endpoint: the imgbb shape from the image object", async () => {
    const bytes = await png(26, 13, colour(51));
    const client = createClient({ baseUrl: server.url, apiKey: server.adminKey });
    const result = await client.upload(bytes, { dialect: 'imgbb', title: 'Mode' });
    expect(result.missing).toEqual([]);
    expect(Value.Check(ImgbbData, result.data)).toBe(true);
    expect([result.data.title, result.data.width, result.data.expiration]).toEqual([
      'Mode',
      26,
      '0',
    ]);
    expect((await rowOf(result.data.id)).title).toBe('Mode');
  });
});

describe('errors', () => {
  test("a wrong key: 401, code 100, the contract's message, and no retry", async () => {
    const calls = countingFetch();
    const client = createClient({
      baseUrl: server.url,
      apiKey: 'wrong-key-0123456789abcdef0123456789',
      fetch: calls.fetch,
      retries: 3,
      retryDelayMs: 1,
    });
    const before = await server.imageCount();
    const error = await client.upload(await png(9, 9, colour(60))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpshotError);
    const { kind, status, code, message, retryable, attempts } = error as UpshotError;
    expect({ kind, status, code, message, retryable, attempts }).toEqual({
      kind: 'http',
      status: 401,
      code: 100,
      message: 'Invalid API key.',
      retryable: false,
      attempts: 1,
    });
    expect(calls.calls).toHaveLength(1);
    expect(await server.imageCount()).toBe(before);
    // checkKey says the same without uploading.
    const checked = await client.checkKey().catch((e: unknown) => e);
    expect((checked as UpshotError).message).toBe('Invalid API key.');
    expect(await createClient({ baseUrl: server.url, apiKey: server.adminKey }).checkKey()).toEqual(
      expect.objectContaining({ status: 400, code: 130, message: 'Empty upload source' }),
    );
  });

  test('checkKey refuses the guest key of an instance without guest uploads (403)', async () => {
    const closed = await startTestServer({ UPSHOT_GUEST_UPLOADS: 'false' });
    try {
      const guest = createClient({ baseUrl: closed.url, apiKey: closed.guestKey });
      const denied = (await guest.checkKey().catch((e: unknown) => e)) as UpshotError;
      expect(denied).toBeInstanceOf(UpshotError);
      expect([denied.status, denied.code, denied.message]).toEqual([403, 401, 'Request denied']);
      const admin = createClient({ baseUrl: closed.url, apiKey: closed.adminKey });
      expect((await admin.checkKey()).code).toBe(130);
    } finally {
      await closed.stop();
    }
  });

  test('no key at all: 401 "No key provided"', async () => {
    const client = createClient({ baseUrl: server.url, retries: 2, retryDelayMs: 1 });
    const error = (await client
      .upload(await png(9, 8, colour(61)))
      .catch((e: unknown) => e)) as UpshotError;
    expect([error.status, error.code, error.message, error.attempts]).toEqual([
      401,
      100,
      'No key provided',
      1,
    ]);
  });

  test('a text file: 415, code 610, not retried', async () => {
    const calls = countingFetch();
    const client = createClient({
      baseUrl: server.url,
      apiKey: server.adminKey,
      fetch: calls.fetch,
      retries: 3,
      retryDelayMs: 1,
    });
    const error = (await client
      .upload({ bytes: new TextEncoder().encode('not an image'), filename: 'notes.txt' })
      .catch((e: unknown) => e)) as UpshotError;
    expect(error).toBeInstanceOf(UpshotError);
    expect([error.status, error.code, error.message, error.retryable, error.attempts]).toEqual([
      415,
      610,
      "Can't get target upload source info",
      false,
      1,
    ]);
    expect(calls.calls).toHaveLength(1);
  });

  test('other 4xx are not retried either: an unknown album, a width larger than the image', async () => {
    const calls = countingFetch();
    const client = createClient({
      baseUrl: server.url,
      apiKey: server.adminKey,
      fetch: calls.fetch,
      retries: 3,
      retryDelayMs: 1,
    });
    const bytes = await png(12, 12, colour(62));
    const album = (await client
      .upload(bytes, { album_id: server.instance.ids.encode(999_999) })
      .catch((e: unknown) => e)) as UpshotError;
    expect([album.status, album.code, album.message]).toEqual([404, 404, 'Album not found']);
    const wide = (await client
      .upload(bytes, { width: 50 })
      .catch((e: unknown) => e)) as UpshotError;
    expect([wide.status, wide.code]).toEqual([400, 610]);
    expect(calls.calls).toHaveLength(2);
  });

  test('a file over the size limit: 413, not retried', async () => {
    const small = await startTestServer({ UPSHOT_MAX_UPLOAD_MB_USER: '0.05' });
    try {
      const calls = countingFetch();
      const client = createClient({
        baseUrl: small.url,
        apiKey: small.adminKey,
        fetch: calls.fetch,
        retryDelayMs: 1,
      });
      const bytes = await jpeg(600, 400);
      expect(bytes.length).toBeGreaterThan(50_000);
      const error = (await client.upload(bytes).catch((e: unknown) => e)) as UpshotError;
      expect([error.status, error.code, error.message, error.attempts]).toEqual([
        413,
        400,
        'File too big - max 0.05 MB',
        1,
      ]);
      expect(calls.calls).toHaveLength(1);
      expect(await small.imageCount()).toBe(0);
    } finally {
      await small.stop();
    }
  });

  test('a URL the server cannot fetch: 400 "Can\'t fetch the source URL", not retried', async () => {
    const calls = countingFetch();
    const client = createClient({
      baseUrl: server.url,
      apiKey: server.adminKey,
      fetch: calls.fetch,
      retryDelayMs: 1,
    });
    const error = (await client
      .upload(`${origin.url}nothing-here.png`)
      .catch((e: unknown) => e)) as UpshotError;
    expect([error.status, error.message, error.attempts]).toEqual([
      400,
      "Can't fetch the source URL",
      1,
    ]);
    expect(calls.calls).toHaveLength(1);
  });
});

describe('flood control (429 with Retry-After)', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ UPSHOT_RATE_LIMIT_GUEST_PER_MINUTE: '1' });
  });
  afterAll(() => limited.stop());

  /** Waiting moves the server's clock instead of the test's: no real sleep. */
  const serverTimeClock = (): Clock & { slept: number[] } => {
    const slept: number[] = [];
    return {
      slept,
      now: () => limited.clock.now().getTime(),
      sleep: async (ms) => {
        slept.push(ms);
        limited.clock.advance(ms);
      },
    };
  };

  test('waits as long as the server says, then the upload goes through', async () => {
    const clock = serverTimeClock();
    const calls = countingFetch();
    const client = createClient({
      baseUrl: limited.url,
      apiKey: limited.guestKey,
      fetch: calls.fetch,
      clock,
    });
    const first = await client.upload(await png(8, 8, colour(70)));
    expect(first.image.expiration_date_gmt).not.toBeNull(); // guests' uploads expire

    const retries: { status: number | null; code: number | null; delayMs: number }[] = [];
    const second = await client.upload(await png(8, 9, colour(71)), {
      onRetry: ({ error, delayMs }) =>
        retries.push({ status: error.status, code: error.code, delayMs }),
    });
    expect(second.missing).toEqual([]);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ status: 429, code: 130 });
    // The server's own Retry-After, not the client's backoff.
    expect(retries[0]!.delayMs).toBeGreaterThan(1000);
    expect(retries[0]!.delayMs).toBeLessThanOrEqual(60_000);
    expect(retries[0]!.delayMs % 1000).toBe(0);
    expect(clock.slept).toEqual([retries[0]!.delayMs]);
    expect(calls.calls).toHaveLength(3);
  });

  test('gives up at once when the wait does not fit in maxRetryTimeMs', async () => {
    const clock = serverTimeClock();
    const client = createClient({
      baseUrl: limited.url,
      apiKey: limited.guestKey,
      clock,
      maxRetryTimeMs: 500,
    });
    limited.clock.advance(61_000);
    await client.upload(await png(8, 10, colour(72)));
    const error = (await client
      .upload(await png(8, 11, colour(73)))
      .catch((e: unknown) => e)) as UpshotError;
    expect({
      status: error.status,
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      attempts: error.attempts,
    }).toEqual({
      status: 429,
      code: 130,
      message: 'Flooding detected. You can only upload 1 images per minute',
      retryable: true,
      attempts: 1,
    });
    expect(error.retryAfterMs).toBeGreaterThan(500);
    expect(clock.slept).toEqual([]);
  });
});

describe('uploadMany', () => {
  test('per-file results in input order, successes and failures mixed, at most `concurrency` at once', async () => {
    const good = await Promise.all([1, 2, 3].map((i) => png(16 + i, 16, colour(80 + i))));
    const pathA = join(work, 'many-a.png');
    const textPath = join(work, 'notes.txt');
    await writeFile(pathA, good[0]!);
    await writeFile(textPath, 'not an image');
    const inputs: UploadInput[] = [
      pathA,
      { path: textPath },
      good[1]!,
      { path: join(work, 'gone.png') },
      `data:image/png;base64,${base64Of(good[2]!)}`,
    ];
    const requests = inputs.length - 1; // the missing file is never sent

    // Hold each request until a second one comes (or the last): uploads sent one at a
    // time would never be answered.
    let inFlight = 0;
    let maxInFlight = 0;
    let arrived = 0;
    let held: (() => void)[] = [];
    const holding = (async (input: RequestInfo | URL, init?: RequestInit) => {
      inFlight++;
      arrived++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise<void>((resolve) => {
        held.push(resolve);
        if (held.length === 2 || arrived === requests) {
          for (const release of held) release();
          held = [];
        }
      });
      try {
        return await fetch(input, init);
      } finally {
        inFlight--;
      }
    }) as typeof fetch;

    const client = createClient({ baseUrl: server.url, apiKey: server.adminKey, fetch: holding });
    const events: UploadProgressEvent[] = [];
    const results = await client.uploadMany(inputs, {
      concurrency: 2,
      params: { tags: 'batch' },
      onProgress: (event) => events.push(event),
    });

    expect(maxInFlight).toBe(2);
    expect(arrived).toBe(requests);
    expect(results.map((r) => [r.index, r.ok])).toEqual([
      [0, true],
      [1, false],
      [2, true],
      [3, false],
      [4, true],
    ]);
    const failures = results.flatMap((r) =>
      r.ok ? [] : [[r.error.kind, r.error.status, r.error.code, r.error.message]],
    );
    expect(failures).toEqual([
      ['http', 415, 610, "Can't get target upload source info"],
      ['input', null, null, `File not found: ${join(work, 'gone.png')}`],
    ]);
    const uploaded = results.flatMap((r) => (r.ok ? [r.result] : [])) as UploadResult[];
    expect(uploaded.map((r) => r.md5)).toEqual(good.map((bytes) => md5(bytes)));
    for (const result of uploaded) {
      expect(result.missing).toEqual([]);
      expect(md5Matches(result)).toBe(true);
      expect((await rowOf(result.image.id_encoded)).tags).toEqual(['batch']);
    }
    const count = (type: UploadProgressEvent['type']) =>
      events.filter((event) => event.type === type).length;
    expect([count('start'), count('success'), count('failure'), count('retry')]).toEqual([
      5, 3, 2, 0,
    ]);
    expect(events.at(-1)).toMatchObject({ completed: 5, failed: 2, total: 5 });
  });
});
