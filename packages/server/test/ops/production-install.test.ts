// The lean production install (README: Operating Upshot): only what the server needs,
// nothing the tests or the tools need, under 250 MB, and the server starts from it.
import { describe, expect, test } from 'bun:test';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../support/process.ts';
import { startUpshotProcess } from '../support/upshot-process.ts';

const ROOT = join(import.meta.dir, '..', '..', '..', '..');
export const PRODUCTION_INSTALL = [
  'bun',
  'install',
  '--production',
  '--frozen-lockfile',
  '--filter',
  '@upshot/server',
];

describe('production install', () => {
  test('installs only the server’s dependencies, under 250 MB, and the server runs from it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'upshot-production-'));
    const dataDir = await mkdtemp(join(tmpdir(), 'upshot-production-data-'));
    try {
      // What a deployment copies: the manifests, the lockfile and the server's sources.
      for (const entry of ['package.json', 'bun.lock', 'bunfig.toml']) {
        await cp(join(ROOT, entry), join(dir, entry));
      }
      for (const workspace of await readdir(join(ROOT, 'packages'))) {
        await cp(
          join(ROOT, 'packages', workspace, 'package.json'),
          join(dir, 'packages', workspace, 'package.json'),
        );
      }
      await cp(join(ROOT, 'bench', 'package.json'), join(dir, 'bench', 'package.json'));
      for (const tree of [
        'packages/server/src',
        'packages/server/drizzle',
        'packages/schema/src',
      ]) {
        await cp(join(ROOT, tree), join(dir, tree), { recursive: true });
      }

      const install = await runCommand(PRODUCTION_INSTALL, { cwd: dir, timeoutMs: 300_000 });
      expect({ code: install.exitCode, err: install.stderr.slice(-500) }).toEqual({
        code: 0,
        err: expect.any(String),
      });
      const installed = await readdir(join(dir, 'node_modules', '.bun'));
      for (const toolOnly of [
        'playwright-core',
        'drizzle-kit',
        '@biomejs',
        'turbo',
        '@octokit+openapi@',
        's3rver',
        '@actions',
        'commander',
      ]) {
        expect({ toolOnly, present: installed.some((name) => name.startsWith(toolOnly)) }).toEqual({
          toolOnly,
          present: false,
        });
      }
      const du = await runCommand(['du', '-sk', join(dir, 'node_modules')]);
      const megabytes = Number(du.stdout.split('\t')[0]) / 1024;
      console.log(`production node_modules: ${megabytes.toFixed(0)} MB`);
      expect(megabytes).toBeLessThan(250);

      const server = await startUpshotProcess(dataDir, {}, undefined, {
        entry: join(dir, 'packages', 'server', 'src', 'index.ts'),
      });
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      server.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});
