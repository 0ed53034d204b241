// The built command line (node dist/cli.js) against the real Upshot server on a free port:
// every output mode, globs, every upload option, URL and stdin inputs, the delete URLs,
// a wrong key and the exit codes. Every link printed must really serve.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jpeg, md5, png } from '@upshot/server/test-images';
import { startTestServer, type TestServer } from '@upshot/server/test-server';
import { buildCli, type CliRun, isolatedEnv, runCli } from './helpers/cli.ts';

// Spawned processes queue for a few slots (see runCli): give them time.
setDefaultTimeout(60_000);

let server: TestServer;
let origin: ReturnType<typeof Bun.serve>;
const originFiles = new Map<string, Uint8Array<ArrayBuffer>>();
let work: string;
const files: Record<string, Uint8Array<ArrayBuffer>> = {};

beforeAll(async () => {
  [server, work] = await Promise.all([
    startTestServer({ UPSHOT_FETCH_ALLOW_PRIVATE: 'true' }),
    mkdtemp(join(tmpdir(), 'upshot-cli-real-')),
    buildCli(),
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
  await mkdir(join(work, 'shots'));
  const images: Record<string, Promise<Uint8Array<ArrayBuffer>>> = {
    'shots/alpha.png': png(10, 10, { r: 255, g: 0, b: 0 }),
    'shots/beta.png': png(12, 10, { r: 0, g: 255, b: 0 }),
    'photo.jpg': jpeg(400, 300),
    'delete-me.png': png(11, 11, { r: 1, g: 2, b: 3 }),
    'delete-json.png': png(11, 12, { r: 4, g: 5, b: 6 }),
    'keep-me.png': png(13, 11, { r: 7, g: 8, b: 9 }),
  };
  for (const [name, bytes] of Object.entries(images)) {
    files[name] = await bytes;
    await writeFile(join(work, name), files[name]);
  }
  await writeFile(join(work, 'notes.txt'), 'not an image');
});
afterAll(async () => {
  await Promise.all([server.stop(), origin.stop(true), rm(work, { recursive: true, force: true })]);
});

const lines = (text: string) => text.split('\n').filter(Boolean);

/** Runs `node dist/cli.js` against the test server; no run may ever print the key. */
async function cli(
  args: string[],
  options: { env?: Record<string, string>; stdin?: Uint8Array; key?: string } = {},
): Promise<CliRun> {
  const key = options.key ?? server.adminKey;
  const env =
    options.env ?? (await isolatedEnv({ UPSHOT_SERVER: server.url, UPSHOT_API_KEY: key }));
  const result = await runCli('node', args, { env, cwd: work, stdin: options.stdin });
  expect(result.stdout + result.stderr).not.toContain(key);
  expect(result.stdout + result.stderr).not.toContain(server.adminKey);
  return result;
}

async function served(url: string): Promise<{ status: number; md5: string }> {
  const response = await fetch(url);
  return { status: response.status, md5: md5(new Uint8Array(await response.arrayBuffer())) };
}

const rowOf = async (idEncoded: string) => {
  const id = server.instance.ids.decode(idEncoded);
  return id === null ? null : server.repos.images.find(id);
};

/** A file URL the server gives for an upload of `name` (a repeat may carry a suffix). */
const fileUrl = (name: string, extension = 'png') =>
  new RegExp(`^${server.url}/images/\\d{4}/\\d{2}/\\d{2}/${name}[0-9a-f]*\\.${extension}$`);

describe.concurrent('upshot upload against the real server', () => {
  test.each([
    ['url', (url: string) => url],
    ['markdown', (url: string, title: string) => `![${title}](${url})`],
    ['html', (url: string, title: string) => `<img src="${url}" alt="${title}">`],
    ['bbcode', (url: string) => `[img]${url}[/img]`],
  ] as const)(
    '--output %s: a line per file of the glob, in order, each link serves',
    async (mode, line) => {
      const result = await cli(['upload', 'shots/*.png', '--output', mode]);
      expect(result.code).toBe(0);
      const printed = lines(result.stdout);
      expect(printed).toHaveLength(2);
      const urls = printed.map((text) => /(http[^\s")[\]]+)/.exec(text)?.[1] ?? '');
      expect(urls[0]).toMatch(fileUrl('alpha'));
      expect(urls[1]).toMatch(fileUrl('beta'));
      expect(printed).toEqual([line(urls[0]!, 'alpha'), line(urls[1]!, 'beta')]);
      expect(await Promise.all(urls.map(served))).toEqual([
        { status: 200, md5: md5(files['shots/alpha.png']!) },
        { status: 200, md5: md5(files['shots/beta.png']!) },
      ]);
      expect(result.stderr).toContain('2 uploaded, 0 failed');
    },
  );

  test('--output json: every field filled from the contract-complete reply, every link serves', async () => {
    const result = await cli(['upload', 'shots/*.png', '--output', 'json']);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(parsed.map((entry) => entry.input)).toEqual(['shots/alpha.png', 'shots/beta.png']);
    for (const [i, name] of ['alpha', 'beta'].entries()) {
      const entry = parsed[i]!;
      const bytes = files[`shots/${name}.png`]!;
      // Upshot sends every field: null only where the reply has null (no medium for a
      // small image, no expiry).
      expect(Object.keys(entry).filter((key) => entry[key] === null)).toEqual([
        'medium_url',
        'expiration_date_gmt',
      ]);
      expect(entry).toMatchObject({
        ok: true,
        title: name,
        mime: 'image/png',
        width: name === 'alpha' ? 10 : 12,
        height: 10,
        size: bytes.length,
        md5: md5(bytes),
        upload_md5: md5(bytes),
        expiration_date_gmt: null,
      });
      expect(entry.url).toMatch(fileUrl(name));
      expect(entry).not.toHaveProperty('delete_url');
      const row = await rowOf(entry.id as string);
      expect(row?.uploadMd5).toBe(md5(bytes));
      expect(await served(entry.url as string)).toEqual({ status: 200, md5: md5(bytes) });
      for (const link of ['thumb_url', 'url_viewer', 'url_short', 'display_url']) {
        expect([link, (await fetch(entry[link] as string)).status]).toEqual([link, 200]);
      }
    }
    expect(result.stdout).not.toContain('/delete/');
  });

  test('every upload option lands in the database row', async () => {
    const album = await server.repos.albums.create({ userId: 1, name: 'CLI', now: new Date() });
    const category = await server.repos.albums.createCategory('CLI shots', 'cli-shots');
    const result = await cli([
      'upload',
      'photo.jpg',
      '--album',
      server.instance.ids.encode(album.id),
      '--category',
      String(category.id),
      '--title',
      'Build 42',
      '--description',
      'Green run',
      '--tags',
      'ci,nightly',
      '--expiration',
      'PT10M',
      '--width',
      '200',
      '--nsfw',
      '--concurrency',
      '1',
      '--retries',
      '0',
      '--timeout',
      '30',
      '-o',
      'json',
    ]);
    expect(result.code).toBe(0);
    const [entry] = JSON.parse(result.stdout);
    expect(entry).toMatchObject({ ok: true, title: 'Build 42', width: 200, height: 150 });
    expect(entry.upload_md5).toBe(md5(files['photo.jpg']!));
    // Resized, so the stored file differs from what was sent.
    expect(entry.md5).not.toBe(entry.upload_md5);
    const row = await rowOf(entry.id);
    expect({
      title: row?.title,
      description: row?.description,
      tags: row?.tags,
      albumId: row?.albumId,
      categoryId: row?.categoryId,
      requestedWidth: row?.requestedWidth,
      nsfw: row?.nsfw,
      lifetime: (row?.expiresAt?.getTime() ?? 0) - (row?.createdAt.getTime() ?? 0),
      sourceMd5: row?.sourceMd5,
    }).toEqual({
      title: 'Build 42',
      description: 'Green run',
      tags: ['ci', 'nightly'],
      albumId: album.id,
      categoryId: category.id,
      requestedWidth: 200,
      nsfw: true,
      lifetime: 10 * 60_000,
      sourceMd5: md5(files['photo.jpg']!),
    });
    const expires = row?.expiresAt?.getTime() ?? 0;
    expect(Date.parse(`${entry.expiration_date_gmt}Z`)).toBe(expires - (expires % 1000));
  });

  test('--show-delete-urls: each delete URL works (GET shows the page, POST deletes)', async () => {
    const text = await cli(['upload', 'delete-me.png', 'keep-me.png', '--show-delete-urls']);
    expect(text.code).toBe(0);
    const pairs = lines(text.stdout).map((line) => line.split('\t'));
    expect(pairs).toHaveLength(2);
    for (const [url, deleteUrl] of pairs) {
      expect(deleteUrl).toMatch(new RegExp(`^${server.url}/image/\\w+/delete/[0-9a-f]{48}$`));
      expect((await fetch(deleteUrl!)).status).toBe(200);
      expect((await served(url!)).status).toBe(200);
    }
    const [[deletedUrl, deleteUrl], [keptUrl]] = pairs as [string[], string[]];
    const deleted = await fetch(deleteUrl!, { method: 'POST' });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toMatchObject({ success: { message: 'Image deleted' } });
    expect((await fetch(deletedUrl!)).status).toBe(404);
    expect((await fetch(keptUrl!)).status).toBe(200);

    const json = await cli(['upload', 'delete-json.png', '-o', 'json', '--show-delete-urls']);
    expect(json.code).toBe(0);
    const [entry] = JSON.parse(json.stdout);
    expect(entry.delete_url).toMatch(new RegExp(`/image/${entry.id}/delete/[0-9a-f]{48}$`));
    expect((await fetch(entry.delete_url)).status).toBe(200);
  });

  test('a URL input is fetched by the server; standard input is uploaded', async () => {
    const remote = await png(15, 9, { r: 10, g: 20, b: 30 });
    originFiles.set('/cli-remote.png', remote);
    const url = `${origin.url}cli-remote.png`;
    const fromUrl = await cli(['upload', url, '-o', 'json']);
    expect(fromUrl.code).toBe(0);
    const [fetched] = JSON.parse(fromUrl.stdout);
    expect(fetched).toMatchObject({ input: url, ok: true, width: 15, upload_md5: '' });
    expect(fetched.md5).toBe(md5(remote));
    expect(await served(fetched.url)).toEqual({ status: 200, md5: md5(remote) });

    const piped = await png(9, 15, { r: 30, g: 20, b: 10 });
    const fromStdin = await cli(['upload', '-', '-o', 'json'], { stdin: piped });
    expect(fromStdin.code).toBe(0);
    const [read] = JSON.parse(fromStdin.stdout);
    expect(read).toMatchObject({ input: 'stdin', ok: true, width: 9, md5: md5(piped) });
    expect(await served(read.url)).toEqual({ status: 200, md5: md5(piped) });
  });

  test('some files failing: exit 1, the rest printed, the server message on stderr', async () => {
    const result = await cli(['upload', 'shots/alpha.png', 'notes.txt']);
    expect(result.code).toBe(1);
    const printed = lines(result.stdout);
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(fileUrl('alpha'));
    expect(result.stderr).toContain(
      "upshot: failed notes.txt: Can't get target upload source info (HTTP 415, code 610)",
    );
    expect(result.stderr).toContain('1 uploaded, 1 failed');
  });

  test("a wrong key: exit 1, the contract's message on stderr, the other files skipped", async () => {
    const key = 'wrong-key-0123456789abcdef0123456789abcdef';
    const result = await cli(['upload', 'shots/*.png', '-c', '1'], { key });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      'upshot: failed shots/alpha.png: Invalid API key. (HTTP 401, code 100)',
    );
    expect(result.stderr).toContain(
      'upshot: failed shots/beta.png: Skipped: the server refused the key',
    );
    expect(result.stderr).toContain('0 uploaded, 2 failed');
  });

  test('a missing file or a glob with no match: exit 2 and nothing reaches the server', async () => {
    const own = await startTestServer();
    try {
      const env = await isolatedEnv({ UPSHOT_SERVER: own.url, UPSHOT_API_KEY: own.adminKey });
      const [missing, noMatch] = await Promise.all([
        cli(['upload', 'shots/alpha.png', 'gone.png'], { env }),
        cli(['upload', 'shots/*.gif'], { env }),
      ]);
      expect([missing.code, missing.stdout]).toEqual([2, '']);
      expect(missing.stderr).toContain('upshot: File not found: gone.png');
      expect([noMatch.code, noMatch.stdout]).toEqual([2, '']);
      expect(noMatch.stderr).toContain('upshot: No files match shots/*.gif');
      expect(await own.imageCount()).toBe(0);
      expect(await own.files()).toEqual([]);
    } finally {
      await own.stop();
    }
  });

  test('login checks the key with the server: a wrong one is refused, a good one saved and used', async () => {
    const env = await isolatedEnv();
    const path = join(env.XDG_CONFIG_HOME!, 'upshot', 'config.json');
    const wrong = 'wrong-login-key-0123456789abcdef012345';
    const refused = await cli(['login', '--server', server.url, '--key', wrong], {
      env,
      key: wrong,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'upshot: the server refused the key: Invalid API key. (HTTP 401, code 100)',
    );
    expect(await stat(path).catch(() => null)).toBeNull();

    const saved = await cli(['login', '--server', server.url, '--key', server.adminKey], { env });
    expect(saved.code).toBe(0);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({
      server: server.url,
      key: server.adminKey,
    });
    const upload = await cli(['upload', 'shots/beta.png', '-q'], { env });
    expect([upload.code, upload.stderr]).toEqual([0, '']);
    expect(upload.stdout.trim()).toMatch(fileUrl('beta'));
  });

  test('login refuses a key that may not upload: the guest key with guest uploads off', async () => {
    const closed = await startTestServer({ UPSHOT_GUEST_UPLOADS: 'false' });
    try {
      const env = await isolatedEnv();
      const result = await cli(['login', '--server', closed.url, '--key', closed.guestKey], {
        env,
        key: closed.guestKey,
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        'upshot: the server refused the key: Request denied (HTTP 403, code 401)',
      );
      const path = join(env.XDG_CONFIG_HOME!, 'upshot', 'config.json');
      expect(await stat(path).catch(() => null)).toBeNull();
    } finally {
      await closed.stop();
    }
  });
});
