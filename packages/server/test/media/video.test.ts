import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { MediaError } from '../../src/media/errors.ts';
import { inputArgs, runTool } from '../../src/media/ffmpeg.ts';
import type { SniffedType } from '../../src/media/sniff.ts';
import { type EncodedFile, probeVideo, processVideo } from '../../src/media/video.ts';
import { defaultMp4Codec, ffmpeg, ffprobe, makeClip, truncateCopy } from '../fixtures/videos.ts';

const MP4: SniffedType = { kind: 'video', mime: 'video/mp4', extension: 'mp4' };
const WEBM: SniffedType = { kind: 'video', mime: 'video/webm', extension: 'webm' };
const MOV: SniffedType = { kind: 'video', mime: 'video/quicktime', extension: 'mov' };

const BLUE = '3366cc';
const BLUE_RGB = [0x33, 0x66, 0xcc];

let dir: string;
const clips: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'upshot-video-'));
  const made = await Promise.all([
    // First 0.2 s black, then blue: the poster must come from inside, not the first frame.
    makeClip(dir, 'blue.mp4', {
      container: 'mp4',
      width: 640,
      height: 360,
      seconds: 3,
      color: BLUE,
      blackLeadIn: 0.2,
    }),
    makeClip(dir, 'blue-faststart.mp4', {
      container: 'mp4',
      width: 640,
      height: 360,
      seconds: 3,
      color: BLUE,
      faststart: true,
    }),
    makeClip(dir, 'long.mp4', { container: 'mp4', width: 64, height: 48, seconds: 75, fps: 1 }),
    makeClip(dir, 'portrait.webm', {
      container: 'webm',
      codec: 'vp9',
      width: 360,
      height: 640,
      seconds: 2,
      fps: 10,
    }),
    makeClip(dir, 'small.mov', {
      container: 'mov',
      codec: 'mpeg4',
      width: 320,
      height: 240,
      seconds: 2,
      fps: 10,
    }),
    makeClip(dir, 'rotated.mp4', {
      container: 'mp4',
      width: 640,
      height: 360,
      seconds: 1,
      fps: 10,
      rotate: 90,
    }),
    makeClip(dir, 'streamed.webm', {
      container: 'webm',
      codec: 'vp8',
      width: 160,
      height: 120,
      seconds: 4,
      fps: 10,
      streamed: true,
    }),
    makeClip(dir, 'blue.webm', {
      container: 'webm',
      codec: 'vp8',
      width: 320,
      height: 240,
      seconds: 3,
      fps: 10,
      color: BLUE,
    }),
    // 0.3 s of red video under 5 s of audio: 10% of the clip is past the video's end.
    makeClip(dir, 'short-video-long-audio.webm', {
      container: 'webm',
      codec: 'vp8',
      width: 160,
      height: 120,
      seconds: 0.3,
      fps: 10,
      color: 'ff0000',
      audioSeconds: 5,
    }),
    makeClip(dir, 'sub-second.mp4', {
      container: 'mp4',
      width: 160,
      height: 120,
      seconds: 0.3,
      fps: 10,
      color: '00ff00',
    }),
  ]);
  for (const path of made) clips[path.slice(dir.length + 1)] = path;
  // Over a dozen ffmpeg runs on a busy 2-core machine; `bun test` run here has a 5 s default.
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function clip(name: string): string {
  const path = clips[name];
  if (!path) throw new Error(`no fixture ${name}`);
  return path;
}

async function pixelAt(file: EncodedFile, x: number, y: number): Promise<number[]> {
  const { data } = await sharp(file.bytes)
    .extract({ left: x, top: y, width: 1, height: 1 })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return [...data];
}

function expectColour(actual: number[], expected: number[], tolerance = 16): void {
  expect(actual).toHaveLength(3);
  actual.forEach((value, i) => {
    expect(Math.abs(value - (expected[i] ?? -999))).toBeLessThanOrEqual(tolerance);
  });
}

/** The file is a real JPEG of the size it claims. */
async function expectJpeg(file: EncodedFile, width: number, height: number): Promise<void> {
  expect({
    mime: file.mime,
    extension: file.extension,
    width: file.width,
    height: file.height,
  }).toEqual({ mime: 'image/jpeg', extension: 'jpeg', width, height });
  const meta = await sharp(file.bytes).metadata();
  expect({ format: meta.format, width: meta.width, height: meta.height }).toEqual({
    format: 'jpeg',
    width,
    height,
  });
}

async function expectInvalid(promise: Promise<unknown>): Promise<MediaError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MediaError);
  expect((error as MediaError).reason).toBe('invalid-video');
  return error as MediaError;
}

describe('processVideo on real clips', () => {
  test('MP4: size, duration, and a poster from inside the clip (not the black first frame)', async () => {
    const video = await processVideo({ path: clip('blue.mp4'), type: MP4 });
    expect({ width: video.width, height: video.height, duration: video.duration }).toEqual({
      width: 640,
      height: 360,
      duration: 3,
    });
    await expectJpeg(video.frame, 640, 360);
    await expectJpeg(video.thumb, 320, 320);
    expect(video.medium).not.toBeNull();
    await expectJpeg(video.medium!, 500, Math.round((500 * 360) / 640));
    expectColour(await pixelAt(video.frame, 320, 180), BLUE_RGB);
    expectColour(await pixelAt(video.frame, 5, 5), BLUE_RGB);
    expectColour(await pixelAt(video.thumb, 160, 160), BLUE_RGB);
    expectColour(await pixelAt(video.medium!, 250, 140), BLUE_RGB);
  });

  test('the mp4 codec in use is the one the fixtures promise', async () => {
    const probe = await probeVideo(clip('blue.mp4'), MP4);
    expect(probe.codec).toBe((await defaultMp4Codec()) === 'h264' ? 'h264' : 'mpeg4');
    expect(probe.codedWidth * probe.codedHeight).toBe(640 * 360);
    expect(probe.duration).toBeCloseTo(3, 1);
  });

  test('a 75-second clip reports 75 seconds', async () => {
    const video = await processVideo({ path: clip('long.mp4'), type: MP4 });
    expect(video.duration).toBe(75);
    expect(video.medium).toBeNull();
    await expectJpeg(video.frame, 64, 48);
    // Thumbs never enlarge a small frame.
    await expectJpeg(video.thumb, 64, 48);
  });

  test('portrait VP9 WebM narrower than 500: portrait size, thumb, no medium', async () => {
    const video = await processVideo({ path: clip('portrait.webm'), type: WEBM });
    expect({ width: video.width, height: video.height, duration: video.duration }).toEqual({
      width: 360,
      height: 640,
      duration: 2,
    });
    expect(video.medium).toBeNull();
    await expectJpeg(video.frame, 360, 640);
    await expectJpeg(video.thumb, 320, 320);
  });

  test('QuickTime .mov (MPEG-4 part 2)', async () => {
    const video = await processVideo({ path: clip('small.mov'), type: MOV });
    expect({ width: video.width, height: video.height, duration: video.duration }).toEqual({
      width: 320,
      height: 240,
      duration: 2,
    });
    expect(video.medium).toBeNull();
    await expectJpeg(video.frame, 320, 240);
    await expectJpeg(video.thumb, 320, 240);
  });

  test('VP8 WebM: poster colour from the clip', async () => {
    const video = await processVideo({ path: clip('blue.webm'), type: WEBM });
    expect(video.duration).toBe(3);
    await expectJpeg(video.frame, 320, 240);
    expectColour(await pixelAt(video.frame, 160, 120), BLUE_RGB);
  });

  test('rotation metadata: a landscape-coded clip shown portrait is reported portrait', async () => {
    const video = await processVideo({ path: clip('rotated.mp4'), type: MP4 });
    expect({ width: video.width, height: video.height }).toEqual({ width: 360, height: 640 });
    await expectJpeg(video.frame, 360, 640);
    await expectJpeg(video.medium === null ? video.thumb : video.medium, 320, 320);
  });

  test('a streamed WebM without a declared duration gets it by demuxing', async () => {
    const probe = await probeVideo(clip('streamed.webm'), WEBM);
    expect(probe.duration).toBeNull();
    const video = await processVideo({ path: clip('streamed.webm'), type: WEBM });
    expect(video.duration).toBe(4);
    await expectJpeg(video.frame, 160, 120);
  });

  test('video shorter than 10% of the clip: falls back to the first decodable frame', async () => {
    const video = await processVideo({ path: clip('short-video-long-audio.webm'), type: WEBM });
    expect(video.duration).toBe(5);
    await expectJpeg(video.frame, 160, 120);
    expectColour(await pixelAt(video.frame, 80, 60), [255, 0, 0], 24);
  });

  test('a 0.3-second clip: first frame, duration counts as 1 second', async () => {
    const video = await processVideo({ path: clip('sub-second.mp4'), type: MP4 });
    expect(video.duration).toBe(1);
    expectColour(await pixelAt(video.frame, 80, 60), [0, 255, 0], 24);
  });

  test('a path with URL-like and shell characters is read as a plain local file', async () => {
    const odd = join(dir, 'http:odd|name;$(x) -i');
    await mkdir(odd);
    const path = join(odd, '-y.mp4');
    await Bun.write(path, Bun.file(clip('sub-second.mp4')));
    const video = await processVideo({ path, type: MP4 });
    expect(video.width).toBe(160);
    expect(inputArgs('http:x.mp4', 'mov')).toEqual([
      '-protocol_whitelist',
      'file',
      '-f',
      'mov',
      '-enable_drefs',
      '0',
      '-use_absolute_path',
      '0',
      '-i',
      `file:${resolve('http:x.mp4')}`,
    ]);
    expect(inputArgs('a.webm', 'matroska')).toEqual([
      '-protocol_whitelist',
      'file',
      '-f',
      'matroska',
      '-i',
      `file:${resolve('a.webm')}`,
    ]);
  });
});

describe('processVideo refuses what is not a whole, decodable clip', () => {
  test('zero-length file', async () => {
    const path = join(dir, 'empty.mp4');
    await Bun.write(path, new Uint8Array(0));
    await expectInvalid(processVideo({ path, type: MP4 }));
    await expectInvalid(processVideo({ path, type: WEBM }));
  });

  test('random bytes named .mp4 / .webm', async () => {
    const path = join(dir, 'random.mp4');
    const bytes = new Uint8Array(64 * 1024);
    crypto.getRandomValues(bytes);
    await Bun.write(path, bytes);
    await expectInvalid(processVideo({ path, type: MP4 }));
    await expectInvalid(processVideo({ path, type: WEBM }));
  });

  test('a WebM declared as MP4: the forced demuxer does not guess', async () => {
    await expectInvalid(processVideo({ path: clip('blue.webm'), type: MP4 }));
    await expectInvalid(processVideo({ path: clip('blue.mp4'), type: WEBM }));
  });

  test('truncated MP4, index at the end (moov lost)', async () => {
    const path = await truncateCopy(clip('blue.mp4'), join(dir, 'cut.mp4'), 0.6);
    await expectInvalid(processVideo({ path, type: MP4 }));
  });

  test('truncated MP4, index at the front (probes fine, media data cut)', async () => {
    const path = await truncateCopy(clip('blue-faststart.mp4'), join(dir, 'cut-fs.mp4'), 0.6);
    // ffprobe alone accepts it: only the completeness check catches it.
    expect((await probeVideo(path, MP4)).codedWidth).toBe(640);
    const error = await expectInvalid(processVideo({ path, type: MP4 }));
    expect(error.message).toContain('truncated');
  });

  test('truncated WebM', async () => {
    const path = await truncateCopy(clip('blue.webm'), join(dir, 'cut.webm'), 0.5);
    expect((await probeVideo(path, WEBM)).codedWidth).toBe(320);
    const error = await expectInvalid(processVideo({ path, type: WEBM }));
    expect(error.message).toContain('truncated');
  });

  test('a clip whose frame is over the pixel limit is refused before decoding', async () => {
    const error = await processVideo({ path: clip('blue.mp4'), type: MP4, maxPixels: 1000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MediaError);
    expect((error as MediaError).reason).toBe('too-many-pixels');
  });

  test('a deadline too short for the work is an invalid-video timeout', async () => {
    const error = await expectInvalid(
      processVideo({ path: clip('long.mp4'), type: MP4, timeoutMs: 1 }),
    );
    expect(error.message).toContain('timed out');
  });

  test('a non-video sniffed type is refused as unsupported', async () => {
    const error = await processVideo({
      path: clip('blue.mp4'),
      type: { kind: 'image', mime: 'image/png', extension: 'png' },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaError);
    expect((error as MediaError).reason).toBe('unsupported-type');
  });
});

describe('disguised playlists are never followed', () => {
  test('HLS playlist named .mp4 pointing at an HTTP server: refused, zero requests', async () => {
    const segment = await Bun.file(clip('blue.mp4')).bytes();
    let requests = 0;
    const server = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch() {
        requests++;
        return new Response(segment, { headers: { 'content-type': 'video/mp2t' } });
      },
    });
    try {
      const playlist = [
        '#EXTM3U',
        '#EXT-X-VERSION:3',
        '#EXT-X-TARGETDURATION:3',
        '#EXTINF:3.0,',
        `http://127.0.0.1:${server.port}/segment.ts`,
        '#EXT-X-ENDLIST',
        '',
      ].join('\n');
      const path = join(dir, 'playlist-http.mp4');
      await Bun.write(path, playlist);

      // Control: this ffmpeg, left to guess the format with http allowed, does fetch the
      // segment, so the server would see a request if processVideo let it through.
      const unguarded = await runTool(
        ffmpeg,
        [
          '-nostdin',
          '-v',
          'error',
          '-protocol_whitelist',
          'file,http,tcp',
          '-i',
          path,
          '-f',
          'null',
          '-',
        ],
        { timeoutMs: 10_000, maxStdoutBytes: 1024 * 1024 },
      );
      expect(unguarded.timedOut).toBe(false);
      expect(requests).toBeGreaterThan(0);
      requests = 0;

      // Also under a playlist's own name, in case a temp file keeps the client's extension
      // (a newer ffprobe guessing formats would then take it for HLS).
      const named = join(dir, 'playlist-http.m3u8');
      await Bun.write(named, playlist);
      for (const file of [path, named]) {
        await expectInvalid(processVideo({ path: file, type: MP4 }));
        await expectInvalid(processVideo({ path: file, type: MOV }));
        await expectInvalid(processVideo({ path: file, type: WEBM }));
        await expectInvalid(probeVideo(file, MP4));
      }
      expect(requests).toBe(0);
    } finally {
      await server.stop(true);
    }
  });

  test('HLS playlist pointing at a valid clip outside the upload (file:// and relative): refused', async () => {
    const outside = clip('blue.mp4');
    // Control: this ffmpeg, left to guess the format, plays the clip the playlist names.
    const control = join(dir, 'playlist-control.mp4');
    await Bun.write(
      control,
      `#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXTINF:3.0,\n${outside}\n#EXT-X-ENDLIST\n`,
    );
    const unguarded = await runTool(
      ffmpeg,
      [
        '-nostdin',
        '-v',
        'error',
        '-i',
        control,
        '-map',
        '0:v:0',
        '-frames:v',
        '1',
        '-f',
        'null',
        '-',
      ],
      { timeoutMs: 10_000, maxStdoutBytes: 1024 },
    );
    expect(unguarded.exitCode).toBe(0);

    const entries = [`file://${outside}`, outside, 'blue.mp4', 'file:///etc/passwd'];
    for (const [i, entry] of entries.entries()) {
      // Under an upload's name and under a playlist's own name.
      for (const extension of ['mp4', 'm3u8']) {
        const path = join(dir, `playlist-${i}.${extension}`);
        await Bun.write(
          path,
          `#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXTINF:3.0,\n${entry}\n#EXT-X-ENDLIST\n`,
        );
        await expectInvalid(processVideo({ path, type: MP4 }));
        await expectInvalid(processVideo({ path, type: WEBM }));
      }
    }
  });

  test('ffconcat script pointing at a valid clip outside the upload: refused', async () => {
    const path = join(dir, 'concat.mp4');
    await Bun.write(path, `ffconcat version 1.0\nfile '${clip('blue.mp4')}'\n`);
    // Control: an unguarded ffprobe told it is a concat script reads the other file.
    const unguarded = await runTool(
      ffprobe,
      [
        '-v',
        'error',
        '-f',
        'concat',
        '-safe',
        '0',
        '-show_entries',
        'stream=width',
        '-of',
        'csv=p=0',
        path,
      ],
      { timeoutMs: 10_000, maxStdoutBytes: 1024 * 1024 },
    );
    expect(new TextDecoder().decode(unguarded.stdout).trim()).toBe('640');
    await expectInvalid(processVideo({ path, type: MP4 }));
  });
});

describe('runTool', () => {
  test('kills a process that outlives its timeout', async () => {
    const started = Date.now();
    const result = await runTool(
      ffmpeg,
      [
        '-nostdin',
        '-v',
        'error',
        '-re',
        '-f',
        'lavfi',
        '-i',
        'testsrc=s=64x64:r=10',
        '-f',
        'null',
        '-',
      ],
      { timeoutMs: 300, maxStdoutBytes: 1024 },
    );
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('bounds stdout: an endless stream is cut off and the process killed', async () => {
    const limit = 256 * 1024;
    const result = await runTool(
      ffmpeg,
      [
        '-nostdin',
        '-v',
        'error',
        '-f',
        'lavfi',
        '-i',
        'testsrc=s=320x240:r=25',
        '-f',
        'rawvideo',
        'pipe:1',
      ],
      { timeoutMs: 10_000, maxStdoutBytes: limit },
    );
    expect(result.stdoutOverflow).toBe(true);
    expect(result.timedOut).toBe(false);
    expect(result.stdout.byteLength).toBeLessThanOrEqual(limit);
  });

  test('keeps only the tail of stderr', async () => {
    // The banner (kilobytes) comes first, the error last.
    const result = await runTool(ffmpeg, ['-nostdin', '-i', join(dir, 'does-not-exist.mp4')], {
      timeoutMs: 10_000,
      maxStdoutBytes: 1024,
      maxStderrBytes: 100,
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr.length).toBeLessThanOrEqual(100);
    expect(result.stderr).toEndWith('No such file or directory\n');
  });
});
