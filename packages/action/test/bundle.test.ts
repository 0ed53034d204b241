import { describe, expect, setDefaultTimeout, test } from 'bun:test';

// Each test starts servers and real Node processes: give a slow CI core room.
setDefaultTimeout(60_000);

import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { INPUT_DEFAULTS } from '../src/inputs.ts';
import { ACTION_DIR, actionYml, DIST, nodeBinary } from './helpers/run-action.ts';

const pkg = JSON.parse(readFileSync(path.join(ACTION_DIR, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

async function sh(cmd: string[], cwd: string, env?: Record<string, string>) {
  const proc = Bun.spawn(cmd, { cwd, env, stdout: 'pipe', stderr: 'pipe', stdin: 'ignore' });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, code };
}

describe('dist/index.js', () => {
  test('is what the build script makes from the source today (rebuild and commit it)', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'upshot-dist-'));
    try {
      // The package's own build command, pointed at a temporary file.
      const args = pkg.scripts.build!.split(' ');
      expect(args.slice(0, 2)).toEqual(['bun', 'build']);
      const i = args.indexOf('--outfile');
      args[i + 1] = path.join(out, 'index.js');
      const built = await sh([process.execPath, ...args.slice(1)], ACTION_DIR);
      expect(built.stderr).toBe('');
      expect(built.code).toBe(0);
      const fresh = readFileSync(path.join(out, 'index.js'), 'utf8');
      const message =
        'dist/index.js is stale: run `bun run build` in packages/action and commit it';
      // Locally the working copy is what gets committed.
      expect(readFileSync(DIST, 'utf8') === fresh ? 'fresh' : message).toBe('fresh');
      // In CI the build task has just rewritten dist/, so compare with the committed one.
      if (process.env.CI) {
        const committed = await sh(['git', 'show', 'HEAD:./dist/index.js'], ACTION_DIR);
        if (committed.code === 0) {
          expect(committed.stdout === fresh ? 'fresh' : message).toBe('fresh');
        }
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  test('runs under plain Node with no node_modules beside it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'upshot-bare-'));
    try {
      copyFileSync(DIST, path.join(dir, 'index.js'));
      const node = nodeBinary();
      const version = await sh([node, '-p', 'process.versions.bun ?? process.version'], dir, {
        PATH: process.env.PATH ?? '',
      });
      expect(version.stdout.trim()).toMatch(/^v(2[0-9]|[3-9][0-9])\./);
      // No inputs at all: it must load every bundled module and fail on the first required input.
      const run = await sh([node, 'index.js'], dir, { PATH: process.env.PATH ?? '' });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('::error::Input required and not supplied: server-url');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('action.yml', () => {
  const yml = actionYml() as {
    name: string;
    description: string;
    branding: { icon: string; color: string };
    inputs: Record<string, { description: string; required?: boolean; default?: string }>;
    outputs: Record<string, { description: string }>;
    runs: { using: string; main: string };
  };

  test('runs the committed bundle on node24, with branding', () => {
    expect(yml.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(yml.branding).toEqual({ icon: 'image', color: 'purple' });
  });

  test('declares every input of the issue, described, with the defaults the code assumes', () => {
    expect(Object.keys(yml.inputs).sort()).toEqual(
      [
        'server-url',
        'api-key',
        'path',
        'album-id',
        'expiration',
        'title-template',
        'comment',
        'comment-header',
        'comment-title',
        'columns',
        'collapse-after',
        'if-no-files-found',
        'fail-on-upload-error',
        'concurrency',
        'github-token',
        'compare',
        'baseline-branch',
        'threshold',
        'fail-on-change',
        'project',
      ].sort(),
    );
    for (const [name, input] of Object.entries(yml.inputs)) {
      expect(`${name}: ${typeof input.description}`).toBe(`${name}: string`);
    }
    const defaults = Object.fromEntries(
      Object.entries(yml.inputs)
        .filter(([name]) => name in INPUT_DEFAULTS)
        .map(([name, input]) => [name, input.default]),
    );
    expect(defaults).toEqual({ ...INPUT_DEFAULTS });
    // A workflow expression, not a JavaScript template.
    expect(yml.inputs['github-token']?.default).toBe(['$', '{{ github.token }}'].join(''));
    expect([yml.inputs['server-url']?.required, yml.inputs.path?.required]).toEqual([true, true]);
  });

  test('declares the outputs', () => {
    expect(Object.keys(yml.outputs).sort()).toEqual([
      'added',
      'changed',
      'comment-id',
      'comment-url',
      'removed',
      'results',
      'review-url',
      'unchanged',
      'urls',
    ]);
  });

  test('nothing in the source names github.com', () => {
    for (const file of [
      'main.ts',
      'pull-request.ts',
      'sticky.ts',
      'comment.ts',
      'inputs.ts',
      'files.ts',
      'upload.ts',
      'review.ts',
    ]) {
      expect(readFileSync(path.join(ACTION_DIR, 'src', file), 'utf8')).not.toContain('github.com');
    }
  });
});
