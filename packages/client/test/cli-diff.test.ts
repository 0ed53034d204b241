// `upshot diff a.png b.png` (node dist/cli.js) against the real Upshot server.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { png } from '@upshot/server/test-images';
import { startTestServer, type TestServer } from '@upshot/server/test-server';
import { buildCli, isolatedEnv, runCli } from './helpers/cli.ts';

setDefaultTimeout(60_000);

let server: TestServer;
let work: string;

beforeAll(async () => {
  [server, work] = await Promise.all([
    startTestServer(),
    mkdtemp(join(tmpdir(), 'upshot-cli-diff-')),
    buildCli(),
  ]);
  await writeFile(join(work, 'red.png'), await png(40, 30, { r: 220, g: 20, b: 20 }));
  await writeFile(join(work, 'blue.png'), await png(40, 30, { r: 20, g: 20, b: 220 }));
  await writeFile(join(work, 'red-taller.png'), await png(40, 40, { r: 220, g: 20, b: 20 }));
});
afterAll(async () => {
  await Promise.all([server.stop(), rm(work, { recursive: true, force: true })]);
});

async function diff(args: string[], key = server.adminKey) {
  const env = await isolatedEnv({ UPSHOT_SERVER: server.url, UPSHOT_API_KEY: key });
  const result = await runCli('node', ['diff', ...args], { env, cwd: work });
  expect(result.stdout + result.stderr).not.toContain(key);
  return result;
}

test('the same pixels: exit 0, nothing written', async () => {
  expect(await diff(['red.png', 'red.png', '--out', 'none.png'])).toEqual({
    code: 0,
    stdout: 'unchanged: the same bytes\n',
    stderr: '',
  });
  expect(await Bun.file(join(work, 'none.png')).exists()).toBe(false);
});

test('a change: exit 1, the share, and the diff image', async () => {
  const result = await diff(['red.png', 'blue.png', '-o', 'out/../diff.png']);
  expect(result).toEqual({
    code: 1,
    stdout: 'changed: 100% of the pixels (1200 of 1200)\ndiff image: out/../diff.png\n',
    stderr: '',
  });
  const written = await readFile(join(work, 'diff.png'));
  expect([...written.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
});

test('a size change, as JSON', async () => {
  const result = await diff(['red.png', 'red-taller.png', '--json', '--threshold', '0.2']);
  expect(result.code).toBe(1);
  expect(JSON.parse(result.stdout)).toEqual({
    identical: false,
    changed: true,
    a: { width: 40, height: 30 },
    b: { width: 40, height: 40 },
    size_changed: true,
    width: 40,
    height: 30,
    changed_pixels: 400,
    total_pixels: 1600,
    changed_ratio: 0.25,
    threshold: 0.2,
    out: null,
  });
});

test('trouble is exit 2: a missing file, a bad threshold, the guest key', async () => {
  const missing = await diff(['red.png', 'nope.png']);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain('nope.png');
  const bad = await diff(['red.png', 'blue.png', '--threshold', '3']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--threshold must be a number from 0 to 1.');
  const guest = await diff(['red.png', 'blue.png'], server.guestKey);
  expect(guest).toEqual({
    code: 2,
    stdout: '',
    stderr: 'upshot: Request denied (HTTP 403, code 401)\n',
  });
});
