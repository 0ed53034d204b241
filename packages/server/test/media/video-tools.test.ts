import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config.ts';
import {
  configureVideoTools,
  resolveVideoTools,
  type VideoToolSettings,
  videoTools,
} from '../../src/media/ffmpeg.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'upshot-video-tools-'));
});
afterAll(async () => {
  configureVideoTools({});
  await rm(dir, { recursive: true, force: true });
});

/**
 * A stand-in for ffmpeg/ffprobe: a script that answers `-version` like the real ones and
 * appends a line to `<path>.runs` each time it runs.
 */
async function fakeTool(folder: string, name: string, version: string, year = '2024') {
  await mkdir(join(dir, folder), { recursive: true });
  const path = join(dir, folder, name);
  await writeFile(
    path,
    `#!/bin/sh\necho run >> '${path}.runs'\n` +
      `echo '${name} version ${version} Copyright (c) 2000-${year} the FFmpeg developers'\n`,
  );
  await chmod(path, 0o755);
  return path;
}

const runs = async (path: string) =>
  (
    await Bun.file(`${path}.runs`)
      .text()
      .catch(() => '')
  )
    .split('\n')
    .filter(Boolean).length;

/** Settings that fail the test if the bundled packages are reached for. */
function noBundled(extra: VideoToolSettings): VideoToolSettings {
  return {
    loadBundled: () => Promise.reject(new Error('the bundled build must not be loaded')),
    warn: (line) => {
      throw new Error(`unexpected warning: ${line}`);
    },
    ...extra,
  };
}

describe('resolveVideoTools: setting, then PATH, then the bundled build', () => {
  test('the settings win over PATH', async () => {
    const ffmpeg = await fakeTool('set', 'ffmpeg', '9.1-set');
    const ffprobe = await fakeTool('set', 'ffprobe', '9.1-set');
    const onPath = join(dir, 'path-a');
    await fakeTool('path-a', 'ffmpeg', '8.0-path');
    await fakeTool('path-a', 'ffprobe', '8.0-path');
    const tools = await resolveVideoTools(
      noBundled({ ffmpegPath: ffmpeg, ffprobePath: ffprobe, PATH: onPath }),
    );
    expect(tools).toEqual({ ffmpeg, ffprobe, version: '9.1-set', bundled: false });
  });

  test('unset: the first ffmpeg/ffprobe on PATH, each on its own', async () => {
    const first = join(dir, 'path-b1');
    const second = join(dir, 'path-b2');
    const ffmpeg = await fakeTool('path-b1', 'ffmpeg', '7.1-first');
    await fakeTool('path-b2', 'ffmpeg', '7.0-second');
    const ffprobe = await fakeTool('path-b2', 'ffprobe', '7.0-second');
    const tools = await resolveVideoTools(noBundled({ PATH: `${first}:${second}` }));
    expect(tools).toEqual({ ffmpeg, ffprobe, version: '7.1-first', bundled: false });

    // One setting: that tool from it, the other still from PATH.
    const set = await fakeTool('set-c', 'ffprobe', '9.2-set');
    const mixed = await resolveVideoTools(
      noBundled({ PATH: `${first}:${second}`, ffprobePath: set }),
    );
    expect(mixed).toEqual({ ffmpeg, ffprobe: set, version: '7.1-first', bundled: false });
  });

  test('nothing set or on PATH: the bundled build, with one warning naming its version', async () => {
    const ffmpeg = await fakeTool('bundled', 'ffmpeg', 'N-47683-g0e8eb07980-static', '2018');
    const ffprobe = await fakeTool('bundled', 'ffprobe', 'N-66595-gc2b38619c0-static', '2023');
    const warnings: string[] = [];
    const tools = await resolveVideoTools({
      PATH: join(dir, 'empty'),
      loadBundled: async () => ({ ffmpeg, ffprobe }),
      warn: (line) => warnings.push(line),
    });
    expect(tools).toEqual({
      ffmpeg,
      ffprobe,
      version: 'N-47683-g0e8eb07980-static',
      bundled: true,
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('bundled ffmpeg N-47683-g0e8eb07980-static (from 2018)');
    expect(warnings[0]).toContain('apt-get install ffmpeg');
    expect(warnings[0]).toContain('UPSHOT_FFMPEG_PATH');
  });

  test('only ffprobe missing: the bundled ffprobe is the one the warning names', async () => {
    const onPath = join(dir, 'path-d');
    const ffmpeg = await fakeTool('path-d', 'ffmpeg', '6.1-path');
    const bundledProbe = await fakeTool('bundled-d', 'ffprobe', 'N-1-static', '2023');
    const warnings: string[] = [];
    const tools = await resolveVideoTools({
      PATH: onPath,
      loadBundled: async () => ({ ffmpeg: '/nonexistent/ffmpeg', ffprobe: bundledProbe }),
      warn: (line) => warnings.push(line),
    });
    expect(tools).toEqual({ ffmpeg, ffprobe: bundledProbe, version: '6.1-path', bundled: true });
    expect(warnings).toEqual([expect.stringContaining('bundled ffprobe N-1-static (from 2023)')]);
  });

  test('the real bundled packages load through the dynamic import', async () => {
    const warnings: string[] = [];
    const tools = await resolveVideoTools({
      PATH: join(dir, 'empty'),
      warn: (line) => warnings.push(line),
    });
    expect(tools.bundled).toBe(true);
    expect(tools.ffmpeg).toContain('@ffmpeg-installer');
    expect(tools.ffprobe).toContain('@ffprobe-installer');
    expect(warnings).toEqual([expect.stringMatching(/bundled ffmpeg \S+ \(from 2018\)/)]);
  });

  test('an ffmpeg that does not run is an error that says how to fix it', async () => {
    const broken = join(dir, 'broken');
    await mkdir(broken, { recursive: true });
    await writeFile(join(broken, 'ffmpeg'), '#!/bin/sh\nexit 3\n');
    await chmod(join(broken, 'ffmpeg'), 0o755);
    await fakeTool('broken', 'ffprobe', '7.0');
    await expect(resolveVideoTools(noBundled({ PATH: broken }))).rejects.toThrow(
      /ffmpeg -version did not run \(exit 3\).*apt-get install ffmpeg/,
    );
  });

  test('on the test machine the default is a maintained ffmpeg from PATH (setup-test-deps.sh)', async () => {
    const tools = await resolveVideoTools(noBundled({}));
    expect(tools.bundled).toBe(false);
    expect(tools.ffmpeg).toBe(Bun.which('ffmpeg')!);
    expect(tools.version).toMatch(/^\d+\.\d+/);
  });
});

describe('videoTools', () => {
  test('resolves once, lazily, from what the server configured', async () => {
    const ffmpeg = await fakeTool('lazy', 'ffmpeg', '5.0-lazy');
    const ffprobe = await fakeTool('lazy', 'ffprobe', '5.0-lazy');
    configureVideoTools(noBundled({ ffmpegPath: ffmpeg, ffprobePath: ffprobe }));
    expect(await runs(ffmpeg)).toBe(0); // nothing runs until first use
    const [a, b] = await Promise.all([videoTools(), videoTools()]);
    expect(await videoTools()).toBe(a);
    expect(b).toBe(a);
    expect(a).toEqual({ ffmpeg, ffprobe, version: '5.0-lazy', bundled: false });
    expect(await runs(ffmpeg)).toBe(1);
    expect(await runs(ffprobe)).toBe(0);
  });

  test('a failed resolution is tried again on the next call', async () => {
    const folder = join(dir, 'retry');
    configureVideoTools(noBundled({ PATH: folder }));
    await expect(videoTools()).rejects.toThrow('the bundled build must not be loaded');
    const ffmpeg = await fakeTool('retry', 'ffmpeg', '5.1-retry');
    await fakeTool('retry', 'ffprobe', '5.1-retry');
    expect((await videoTools()).ffmpeg).toBe(ffmpeg);
  });
});

describe('UPSHOT_FFMPEG_PATH / UPSHOT_FFPROBE_PATH', () => {
  test('an executable file is kept as an absolute path', async () => {
    const ffmpeg = await fakeTool('config', 'ffmpeg', '1');
    const ffprobe = await fakeTool('config', 'ffprobe', '1');
    const config = loadConfig({
      UPSHOT_FFMPEG_PATH: relative(process.cwd(), ffmpeg),
      UPSHOT_FFPROBE_PATH: ffprobe,
    });
    expect(config.ffmpegPath).toBe(ffmpeg);
    expect(config.ffprobePath).toBe(ffprobe);
    expect(loadConfig({}).ffmpegPath).toBeUndefined();
  });

  test('a missing file, a folder or a file without execute permission stops the start', async () => {
    const plain = join(dir, 'config', 'not-executable');
    await mkdir(join(dir, 'config'), { recursive: true });
    await writeFile(plain, '#!/bin/sh\n');
    await chmod(plain, 0o644);
    for (const [name, value] of [
      ['UPSHOT_FFMPEG_PATH', join(dir, 'nope', 'ffmpeg')],
      ['UPSHOT_FFPROBE_PATH', join(dir, 'config')],
      ['UPSHOT_FFMPEG_PATH', plain],
    ] as const) {
      expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
      expect(() => loadConfig({ [name]: value })).toThrow(
        `${name}=${JSON.stringify(value)} is not valid: expected the path of an executable file`,
      );
    }
  });
});
