import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../src/cli/program.ts';
import { buildCli, distCli, isolatedEnv, type Runtime, runCli } from './helpers/cli.ts';
import { deferred } from './helpers/deferred.ts';
import { type FakeChevereto, startFakeChevereto } from './helpers/fake-chevereto.ts';
import { makePng } from './helpers/png.ts';

// Tests here spawn processes that queue for a few slots (see runCli): give them time.
setDefaultTimeout(60_000);

let fake: FakeChevereto;
let work: string;

beforeAll(async () => {
  [fake] = await Promise.all([startFakeChevereto(), buildCli()]);
  work = await mkdtemp(join(tmpdir(), 'upshot-cli-'));
  await mkdir(join(work, 'shots'));
  await writeFile(join(work, 'shots', 'alpha.png'), makePng(10, 10, [255, 0, 0]));
  await writeFile(join(work, 'shots', 'beta.png'), makePng(12, 10, [0, 255, 0]));
  await writeFile(join(work, 'notes.txt'), 'not an image');
});
afterAll(() => fake.close());

const ESC = '\u001b';
const serverEnv = () => isolatedEnv({ UPSHOT_SERVER: fake.baseUrl, UPSHOT_API_KEY: fake.apiKey });
const lines = (text: string) => text.split('\n').filter(Boolean);

describe.concurrent.each(['node', 'bun'] as Runtime[])('upshot under %s', (runtime) => {
  const cli = async (args: string[], env?: Record<string, string>, stdin?: Uint8Array | string) =>
    runCli(runtime, args, { env: env ?? (await serverEnv()), cwd: work, stdin });

  test('--help for the program and each command is complete, exit 0', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    for (const word of ['upload', 'login', 'UPSHOT_SERVER', 'UPSHOT_API_KEY', 'Examples']) {
      expect(top.stdout).toContain(word);
    }
    const upload = await cli(['upload', '--help']);
    expect(upload.code).toBe(0);
    for (const option of [
      '--server',
      '--key',
      '--album',
      '--title',
      '--description',
      '--tags',
      '--expiration',
      '--width',
      '--nsfw',
      '--concurrency',
      '--output',
      '--show-delete-urls',
      'markdown',
      'bbcode',
      'Exit status',
    ]) {
      expect(upload.stdout).toContain(option);
    }
    const login = await cli(['login', '--help']);
    expect(login.code).toBe(0);
    expect(login.stdout).toContain('0600');
  });

  test('url output: one URL a line on stdout, plain progress lines on stderr, exit 0', async () => {
    const result = await cli(['upload', 'shots/*.png']);
    expect(result.code).toBe(0);
    const urls = lines(result.stdout);
    expect(urls).toHaveLength(2);
    expect(urls[0]).toMatch(
      new RegExp(`^${fake.baseUrl}/images/\\d{4}/\\d{2}/\\d{2}/alpha\\.png$`),
    );
    expect(urls[1]).toEndWith('/beta.png');
    // Lines come in completion order; stdout keeps input order.
    expect(result.stderr).toMatch(/^\[[12]\/2\] uploaded shots\/alpha\.png -> http/m);
    expect(result.stderr).toMatch(/^\[[12]\/2\] uploaded shots\/beta\.png -> http/m);
    expect(result.stderr).toContain('2 uploaded, 0 failed');
    // Piped: no progress bar, no escape codes anywhere.
    expect(result.stdout + result.stderr).not.toContain(ESC);
  });

  test('json output: one array, stable fields, no delete URL unless asked', async () => {
    const result = await cli(['upload', 'shots/alpha.png', '--output', 'json']);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout);
    expect(Array.isArray(parsed)).toBe(true);
    expect(Object.keys(parsed[0])).toEqual([
      'input',
      'ok',
      'id',
      'url',
      'url_viewer',
      'url_short',
      'display_url',
      'thumb_url',
      'medium_url',
      'title',
      'filename',
      'mime',
      'width',
      'height',
      'size',
      'md5',
      'upload_md5',
      'expiration_date_gmt',
    ]);
    expect(parsed[0]).toMatchObject({
      input: 'shots/alpha.png',
      ok: true,
      title: 'alpha',
      width: 10,
    });
    expect(parsed[0].md5).toBe(parsed[0].upload_md5);
    expect(result.stdout).not.toContain('/delete/');

    const shown = await cli(['upload', 'shots/alpha.png', '-o', 'json', '--show-delete-urls']);
    expect(JSON.parse(shown.stdout)[0].delete_url).toMatch(/\/delete\/[0-9a-f]{48}$/);
  });

  test('a wrong key shows the contract message and exits 1; the key is never printed', async () => {
    const key = 'chv_wrong_key_0123456789abcdef0123456789abcdef';
    const env = await isolatedEnv({ UPSHOT_SERVER: fake.baseUrl, UPSHOT_API_KEY: key });
    const result = await cli(['upload', 'shots/alpha.png'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      'upshot: failed shots/alpha.png: Invalid API key. (HTTP 401, code 100)',
    );
    expect(result.stdout + result.stderr).not.toContain(key);
  });

  test('a glob with no match and a missing file are usage errors (exit 2), nothing is sent', async () => {
    const own = await startFakeChevereto();
    try {
      const env = await isolatedEnv({ UPSHOT_SERVER: own.baseUrl, UPSHOT_API_KEY: own.apiKey });
      const [noMatch, missing] = await Promise.all([
        cli(['upload', 'shots/*.jpg'], env),
        cli(['upload', 'shots/alpha.png', 'gone.png'], env),
      ]);
      expect(noMatch.code).toBe(2);
      expect(noMatch.stderr).toContain('upshot: No files match shots/*.jpg');
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('upshot: File not found: gone.png');
      expect(own.requests.length).toBe(0);
    } finally {
      await own.close();
    }
  });
});

describe.concurrent('upshot upload (node)', () => {
  const cli = async (args: string[], env?: Record<string, string>, stdin?: Uint8Array | string) =>
    runCli('node', args, { env: env ?? (await serverEnv()), cwd: work, stdin });

  test.each([
    ['markdown', (url: string, title: string) => `![${title}](${url})`],
    ['html', (url: string, title: string) => `<img src="${url}" alt="${title}">`],
    ['bbcode', (url: string) => `[img]${url}[/img]`],
  ] as const)('%s output', async (mode, line) => {
    const result = await cli(['upload', 'shots/*.png', '--output', mode]);
    expect(result.code).toBe(0);
    // The fake names files after the upload, in today's folder.
    const url = (name: string) =>
      expect.stringMatching(new RegExp(`^${fake.baseUrl}/images/[\\d/]+/${name}\\.png$`));
    const [first, second] = lines(result.stdout);
    const urlOf = (text: string) => /(http[^\s")[\]]+)/.exec(text)?.[1] ?? '';
    expect(urlOf(first!)).toEqual(url('alpha'));
    expect(urlOf(second!)).toEqual(url('beta'));
    expect([first, second]).toEqual([line(urlOf(first!), 'alpha'), line(urlOf(second!), 'beta')]);
  });

  test('some files failing: exit 1, the others still printed, errors in json', async () => {
    const text = await cli(['upload', 'shots/alpha.png', 'notes.txt']);
    expect(text.code).toBe(1);
    expect(lines(text.stdout)).toHaveLength(1);
    expect(text.stderr).toContain(
      "upshot: failed notes.txt: Can't get target upload source info (HTTP 415, code 610)",
    );
    expect(text.stderr).toContain('1 uploaded, 1 failed');

    const json = await cli(['upload', 'notes.txt', 'shots/alpha.png', '-o', 'json']);
    expect(json.code).toBe(1);
    const [failed, ok] = JSON.parse(json.stdout);
    expect(failed).toEqual({
      input: 'notes.txt',
      ok: false,
      error: {
        message: "Can't get target upload source info",
        kind: 'http',
        status: 415,
        code: 610,
        retryable: false,
      },
    });
    expect(ok.ok).toBe(true);
  });

  test('every upload option reaches the server', async () => {
    const own = await startFakeChevereto();
    const env = await isolatedEnv({ UPSHOT_SERVER: own.baseUrl, UPSHOT_API_KEY: own.apiKey });
    const result = await cli(
      [
        'upload',
        'shots/beta.png',
        '--album',
        'AbC',
        '--title',
        'Beta',
        '--description',
        'Green',
        '--tags',
        'ci,nightly',
        '--expiration',
        'P3D',
        '--width',
        '6',
        '--nsfw',
        '--category',
        '2',
        '--concurrency',
        '1',
        '--retries',
        '0',
        '--timeout',
        '5',
      ],
      env,
    );
    await own.close();
    expect(result.code).toBe(0);
    expect(own.requests).toHaveLength(1);
    const request = own.requests[0]!;
    expect(request.fields).toEqual({
      album_id: 'AbC',
      title: 'Beta',
      description: 'Green',
      tags: 'ci,nightly',
      expiration: 'P3D',
      width: '6',
      nsfw: '1',
      category_id: '2',
    });
    expect(request.files.source?.filename).toBe('beta.png');
    expect(request.headers.get('x-api-key')).toBe(own.apiKey);
  });

  test('usage errors exit 2: no server, no key, bad values, no command', async () => {
    const bare = await isolatedEnv();
    const cases = [
      [['upload', 'shots/alpha.png'], bare, 'No server'],
      [['upload', 'shots/alpha.png', '--server', fake.baseUrl], bare, 'No API key'],
      [
        ['upload', 'shots/alpha.png', '--server', 'ftp://x', '--key', 'k'],
        bare,
        'Invalid server address',
      ],
      [
        ['upload', 'shots/alpha.png', '--width', 'wide'],
        undefined,
        '--width must be a positive integer',
      ],
      [
        ['upload', 'shots/alpha.png', '--output', 'xml'],
        undefined,
        'Allowed choices are url, markdown',
      ],
      [['upload'], undefined, "missing required argument 'inputs'"],
      [['upload', 'shots'], undefined, 'shots is a directory'],
      [['frobnicate'], undefined, "unknown command 'frobnicate'"],
      [[], undefined, 'Usage: upshot'],
    ] as const;
    const results = await Promise.all(cases.map(([args, env]) => cli([...args], env)));
    expect(
      results.map((result, i) => [cases[i]![0], result.code, result.stderr.includes(cases[i]![2])]),
    ).toEqual(cases.map(([args]) => [args, 2, true]));
  });

  test('flags win over the environment', async () => {
    const env = await isolatedEnv({ UPSHOT_SERVER: 'http://127.0.0.1:9', UPSHOT_API_KEY: 'nope' });
    const result = await cli(
      ['upload', 'shots/alpha.png', '--server', fake.baseUrl, '--key', fake.apiKey],
      env,
    );
    expect(result.code).toBe(0);
  });

  test('standard input and URLs are inputs too', async () => {
    const fromStdin = await cli(['upload', '-', '-o', 'json'], undefined, makePng(3, 3));
    expect(fromStdin.code).toBe(0);
    expect(JSON.parse(fromStdin.stdout)[0]).toMatchObject({ input: 'stdin', ok: true, width: 3 });

    const url = fake.serveFile('remote shot.png', makePng(5, 5), 'image/png');
    const fromUrl = await cli(['upload', url, '-o', 'json']);
    expect(fromUrl.code).toBe(0);
    expect(JSON.parse(fromUrl.stdout)[0]).toMatchObject({
      input: url,
      ok: true,
      width: 5,
      upload_md5: '',
    });
    expect(fake.requests.some((request) => request.fields.source === url)).toBe(true);
  });
});

describe.concurrent('upshot login', () => {
  const cli = (args: string[], env: Record<string, string>, stdin?: string) =>
    runCli('node', args, { env, cwd: work, stdin });

  test('saves server and key (0600) after checking the key, never echoing it; upload then uses them', async () => {
    const env = await isolatedEnv();
    const result = await cli(['login', '--server', `${fake.baseUrl}/`, '--key', fake.apiKey], env);
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(fake.apiKey);
    expect(result.stderr).toContain(`Saved the server ${fake.baseUrl} and a working API key`);
    const path = join(env.XDG_CONFIG_HOME!, 'upshot', 'config.json');
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({
      server: fake.baseUrl,
      key: fake.apiKey,
    });
    expect((await stat(path)).mode & 0o777).toBe(0o600);

    const upload = await cli(['upload', 'shots/alpha.png', '-q'], env);
    expect(upload.code).toBe(0);
    expect(upload.stdout).toStartWith(`${fake.baseUrl}/images/`);
    expect(upload.stderr).toBe('');
  });

  test('a refused key is not saved; a piped key is read from stdin', async () => {
    const env = await isolatedEnv();
    const refused = await cli(['login', '--server', fake.baseUrl, '--key', 'bad-key-123'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'the server refused the key: Invalid API key. (HTTP 401, code 100)',
    );
    expect(refused.stdout + refused.stderr).not.toContain('bad-key-123');
    const path = join(env.XDG_CONFIG_HOME!, 'upshot', 'config.json');
    expect(await stat(path).catch(() => null)).toBeNull();

    const piped = await cli(['login', '--server', fake.baseUrl], env, `${fake.apiKey}\n`);
    expect(piped.code).toBe(0);
    expect(piped.stdout + piped.stderr).not.toContain(fake.apiKey);
    expect(JSON.parse(await readFile(path, 'utf8')).key).toBe(fake.apiKey);
  });

  test('an unreachable server: nothing saved unless --no-verify', async () => {
    const env = await isolatedEnv();
    const gone = await startFakeChevereto();
    await gone.close();
    const failed = await cli(['login', '--server', gone.baseUrl, '--key', 'k'.repeat(40)], env);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('--no-verify');
    const saved = await cli(
      ['login', '--server', gone.baseUrl, '--key', 'k'.repeat(40), '--no-verify'],
      env,
    );
    expect(saved.code).toBe(0);
    expect(saved.stderr).toContain('an unchecked API key');
  });
});

/** Runs the command line in this process (no spawn): for behaviour that needs no real process. */
async function runInProcess(args: string[], env: Record<string, string>, signal?: AbortSignal) {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: (async function* () {})(),
    env: { XDG_CONFIG_HOME: work, ...env },
    cwd: work,
    signal,
  });
  return { code, stdout, stderr };
}

describe('stopping early', () => {
  test('once the server refuses the key, the files not yet sent are skipped', async () => {
    const own = await startFakeChevereto();
    try {
      await writeFile(join(work, 'gamma.png'), makePng(4, 4));
      const result = await runInProcess(
        ['upload', 'shots/alpha.png', 'shots/beta.png', 'gamma.png', '-c', '1', '-o', 'json'],
        { UPSHOT_SERVER: own.baseUrl, UPSHOT_API_KEY: 'refused-key' },
      );
      expect(result.code).toBe(1);
      expect(own.requests).toHaveLength(1);
      expect(
        JSON.parse(result.stdout).map((r: { error: { message: string } }) => r.error.message),
      ).toEqual([
        'Invalid API key.',
        'Skipped: the server refused the key',
        'Skipped: the server refused the key',
      ]);
    } finally {
      await own.close();
    }
  });

  test('an interrupt (Ctrl-C) stops the batch with exit 130', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await runInProcess(
      ['upload', 'shots/*.png'],
      { UPSHOT_SERVER: fake.baseUrl, UPSHOT_API_KEY: fake.apiKey },
      controller.signal,
    );
    expect(result.code).toBe(130);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('upshot: failed shots/alpha.png: Interrupted');
  });
});

test('Ctrl-C on the real process: the upload in flight stops, exit 130', async () => {
  const own = await startFakeChevereto();
  const arrived = deferred();
  const hang = deferred<Response>();
  own.respond(() => {
    arrived.resolve();
    return hang.promise;
  });
  try {
    const child = Bun.spawn(['node', distCli, 'upload', 'shots/alpha.png'], {
      cwd: work,
      env: await isolatedEnv({ UPSHOT_SERVER: own.baseUrl, UPSHOT_API_KEY: own.apiKey }),
      stdout: 'pipe',
      stderr: 'pipe',
    });
    await arrived.promise;
    child.kill('SIGINT');
    const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
    expect(code).toBe(130);
    expect(stderr).toContain('upshot: failed shots/alpha.png: Interrupted');
  } finally {
    hang.resolve(new Response('late'));
    await own.close();
  }
});

describe('progress on a terminal', () => {
  test('draws a progress bar on a TTY stderr, and keeps stdout clean', async () => {
    let stdout = '';
    let stderr = '';
    const code = await run(['upload', 'shots/*.png'], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text), isTTY: true, columns: 100 },
      stdin: (async function* () {})(),
      env: { UPSHOT_SERVER: fake.baseUrl, UPSHOT_API_KEY: fake.apiKey, XDG_CONFIG_HOME: work },
      cwd: work,
    });
    expect(code).toBe(0);
    expect(stderr).toContain('Uploading');
    expect(stderr).toContain('2/2');
    expect(stderr).toContain(ESC);
    expect(stdout).not.toContain(ESC);
    expect(lines(stdout)).toHaveLength(2);
  });
});
