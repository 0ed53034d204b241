// Getting the command as a new user would (README: Command line): the tarball `npm pack`
// makes, installed with `npm install -g` into a fresh prefix and run by plain Node with nothing
// else on PATH; and the single-file executable `bun build --compile` makes. Both talk to the
// real Upshot server.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { png } from '@upshot/server/test-images';
import { startTestServer, type TestServer } from '@upshot/server/test-server';
import { buildCli, packageDir } from './helpers/cli.ts';

setDefaultTimeout(120_000);

let server: TestServer;
let work: string;
/** A PATH holding only `node` (and `upshot`, once installed): no bun, no workspace. */
let nodeOnly: string;

async function run(cmd: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const child = Bun.spawn(cmd, {
    cwd: options.cwd ?? work,
    env: options.env ?? { PATH: process.env.PATH ?? '', HOME: work },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}

beforeAll(async () => {
  [server, work] = await Promise.all([
    startTestServer(),
    mkdtemp(join(tmpdir(), 'upshot-package-')),
    buildCli(),
  ]);
  nodeOnly = join(work, 'node-only');
  await mkdir(nodeOnly);
  const node = Bun.which('node');
  if (!node) throw new Error('node is not on PATH');
  await symlink(node, join(nodeOnly, 'node'));
  await writeFile(join(work, 'red.png'), await png(40, 30, { r: 220, g: 20, b: 20 }));
  await writeFile(join(work, 'blue.png'), await png(40, 30, { r: 20, g: 20, b: 220 }));
});
afterAll(async () => {
  await Promise.all([server?.stop(), rm(work, { recursive: true, force: true })]);
});

/** What a user of the installed command sees: an upload and a diff against the server. */
async function useCommand(upshot: string, path: string) {
  const env = {
    PATH: path,
    HOME: work,
    XDG_CONFIG_HOME: join(work, 'config'),
    UPSHOT_SERVER: server.url,
    UPSHOT_API_KEY: server.adminKey,
  };
  const version = await run([upshot, '--version'], { env });
  expect(version).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
  const upload = await run([upshot, 'upload', 'red.png', '--quiet'], { env });
  expect(upload.stderr).toBe('');
  expect(upload.code).toBe(0);
  const url = upload.stdout.trim();
  expect(url).toStartWith(`${server.url}/images/`);
  expect((await fetch(url)).status).toBe(200);
  const diff = await run([upshot, 'diff', 'red.png', 'blue.png', '--out', 'diff.png'], { env });
  expect(diff).toEqual({
    code: 1,
    stdout: 'changed: 100% of the pixels (1200 of 1200)\ndiff image: diff.png\n',
    stderr: '',
  });
  expect(existsSync(join(work, 'diff.png'))).toBe(true);
}

describe('npm pack → npm install -g', () => {
  test('installs the command and the library with no dependency and no workspace link, and they run under plain Node', async () => {
    const packed = join(work, 'packed');
    await mkdir(packed);
    const pack = await run(['npm', 'pack', '--pack-destination', packed], { cwd: packageDir });
    expect(pack.code).toBe(0);
    const [tarball] = readdirSync(packed);
    expect(tarball).toBe('upshot-client-0.1.0.tgz');

    // --offline: nothing may need the registry, everything is in the tarball.
    const prefix = join(work, 'prefix');
    const install = await run([
      'npm',
      'install',
      '-g',
      '--prefix',
      prefix,
      '--offline',
      '--no-audit',
      '--no-fund',
      join(packed, tarball!),
    ]);
    expect(install.code).toBe(0);
    const installed = join(prefix, 'lib', 'node_modules', '@upshot', 'client');
    expect(readdirSync(installed).sort()).toEqual(['README.md', 'dist', 'package.json']);
    expect(readdirSync(join(installed, 'dist')).sort()).toEqual(['cli.js', 'index.js']);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect(manifest.dependencies).toBeUndefined();
    // The bundles import nothing but Node's own modules.
    for (const file of ['cli.js', 'index.js']) {
      const code = readFileSync(join(installed, 'dist', file), 'utf8');
      const imported = [...code.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]!);
      expect(imported.filter((name) => !/^(node:)?[a-z_]+(\/[a-z_]+)?$/.test(name))).toEqual([]);
      expect(code).not.toContain('@upshot/schema');
    }

    await useCommand(join(prefix, 'bin', 'upshot'), `${join(prefix, 'bin')}:${nodeOnly}`);

    // The library, imported by name from a project that installed it.
    const project = join(work, 'project');
    await mkdir(join(project, 'node_modules', '@upshot'), { recursive: true });
    await symlink(installed, join(project, 'node_modules', '@upshot', 'client'));
    await writeFile(
      join(project, 'main.mjs'),
      `import { createClient, createReviewClient } from '@upshot/client';
const client = createClient({ baseUrl: process.env.SERVER, apiKey: process.env.KEY });
const { image } = await client.upload(process.env.FILE);
const diff = await createReviewClient({ baseUrl: process.env.SERVER, apiKey: process.env.KEY }).diff(process.env.FILE, process.env.FILE);
console.log(image.type, image.width, diff.identical);`,
    );
    const library = await run([join(nodeOnly, 'node'), 'main.mjs'], {
      cwd: project,
      env: {
        PATH: nodeOnly,
        SERVER: server.url,
        KEY: server.adminKey,
        FILE: join(work, 'blue.png'),
      },
    });
    expect(library).toEqual({ code: 0, stdout: 'image 40 true\n', stderr: '' });
  });

  test('npm pack refuses to pack without the build', async () => {
    const copy = join(work, 'unbuilt');
    await mkdir(copy);
    await writeFile(join(copy, 'package.json'), readFileSync(join(packageDir, 'package.json')));
    const pack = await run(['npm', 'pack', '--pack-destination', copy], { cwd: copy });
    expect(pack.code).not.toBe(0);
    expect(pack.stderr).toContain('dist/ is missing: run the build first');
  });
});

describe('bun build --compile', () => {
  test("the package's compile script makes one executable that runs with an empty PATH", async () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
    const args = (manifest.scripts.compile as string).split(' ');
    expect(args.slice(0, 2)).toEqual(['bun', 'build']);
    expect(args).toContain('--compile');
    const out = join(work, 'bin', 'upshot');
    await mkdir(dirname(out), { recursive: true });
    args[args.indexOf('--outfile') + 1] = out;
    const compile = await run([process.execPath, ...args.slice(1)], { cwd: packageDir });
    expect(compile.code).toBe(0);
    await useCommand(out, '');
  });
});
