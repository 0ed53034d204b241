import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { MediaError } from '../../src/media/errors.ts';
import { processImage } from '../../src/media/image.ts';
import { sniffType } from '../../src/media/sniff.ts';
import * as f from '../fixtures/images.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { infoBmp } from './bmp-gen.ts';
import { tinyFrameGif } from './tiny-frames.ts';

// 9,900 one-pixel frames on a 100x100 canvas: 228 KB, 99 MP (inside the 100 MP limit),
// minutes of encoding without a frame cap or a deadline.
const manyFrames = tinyFrameGif(100, 100, 9_900);

const upload = (bytes: Uint8Array, name: string) =>
  ({ source: new File([bytes.slice()], name) }) as Record<string, Blob>;

async function failure(promise: Promise<unknown>): Promise<MediaError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MediaError) return error;
    throw error;
  }
  throw new Error('expected a MediaError');
}

describe('settings', () => {
  test('UPSHOT_MAX_FRAMES and UPSHOT_MEDIA_TIMEOUT_S: defaults, values, refusals', () => {
    expect(loadConfig({})).toMatchObject({ maxFrames: 1000, mediaTimeoutMs: 30_000 });
    expect(loadConfig({ UPSHOT_MAX_FRAMES: '25', UPSHOT_MEDIA_TIMEOUT_S: '5' })).toMatchObject({
      maxFrames: 25,
      mediaTimeoutMs: 5_000,
    });
    for (const env of [
      { UPSHOT_MAX_FRAMES: '0' },
      { UPSHOT_MAX_FRAMES: 'many' },
      { UPSHOT_MEDIA_TIMEOUT_S: '0' },
      { UPSHOT_MEDIA_TIMEOUT_S: '1.5' },
      { UPSHOT_MEDIA_TIMEOUT_S: '3601' },
    ]) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
    }
  });
});

describe('processImage: frames and deadline', () => {
  test('an animation over the frame cap is refused from its header, before decoding', async () => {
    expect(manyFrames.length).toBeLessThan(230_000);
    const type = await sniffType(manyFrames);
    const start = performance.now();
    const error = await failure(
      processImage({ bytes: manyFrames, type, maxPixels: 100_000_000, stripGps: false }),
    );
    expect([error.reason, error.message]).toEqual(['too-many-frames', '9900 frames exceeds 1000']);
    expect(performance.now() - start).toBeLessThan(1_000);
    const few = tinyFrameGif(20, 20, 30);
    const fewType = await sniffType(few);
    const base = { bytes: few, type: fewType, maxPixels: 100_000_000, stripGps: false };
    expect((await failure(processImage({ ...base, maxFrames: 29 }))).reason).toBe(
      'too-many-frames',
    );
    expect((await processImage({ ...base, maxFrames: 30 })).isAnimated).toBe(true);
  });

  test('frames times canvas still counts against the pixel limit', async () => {
    const gif = tinyFrameGif(100, 100, 50); // 500,000 pixels decoded
    const base = { bytes: gif, type: await sniffType(gif), stripGps: false };
    expect((await failure(processImage({ ...base, maxPixels: 499_999 }))).reason).toBe(
      'too-many-pixels',
    );
    expect((await processImage({ ...base, maxPixels: 500_000 })).isAnimated).toBe(true);
  });

  test('past the deadline the work stops and the image fails timed-out', async () => {
    const type = await sniffType(manyFrames);
    const start = performance.now();
    const error = await failure(
      processImage({
        bytes: manyFrames,
        type,
        maxPixels: 100_000_000,
        maxFrames: 100_000,
        stripGps: false,
        timeoutMs: 1_000,
      }),
    );
    expect([error.reason, error.message]).toEqual([
      'timed-out',
      'image processing took longer than 1 s',
    ]);
    // sharp's clock ticks in whole seconds; without the deadline this file takes minutes.
    expect(performance.now() - start).toBeLessThan(5_000);
  });
});

describe('through the API', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ UPSHOT_MEDIA_TIMEOUT_S: '1' });
  });
  afterAll(() => server.stop());

  async function refused(res: Response, message: string) {
    const body = await res.json();
    expect({ status: res.status, body }).toEqual({
      status: 400,
      body: {
        status_code: 400,
        error: { message, code: 400 },
        status_txt: 'Bad Request',
      },
    });
    expect(await server.imageCount()).toBe(0);
    expect(await server.files()).toEqual([]);
  }

  test('a guest upload of 9,900 frames is a 400 naming the frame cap', async () => {
    const start = performance.now();
    const res = await server.upload(upload(manyFrames, 'frames.gif'), { key: server.guestKey });
    await refused(res, 'Animation too long - max 1000 frames');
    expect(performance.now() - start).toBeLessThan(5_000);
  });

  test('an image past UPSHOT_MEDIA_TIMEOUT_S is a 400 saying so', async () => {
    // 900 frames of 300x300: under the frame cap and the pixel limit, seconds of encoding.
    const slow = tinyFrameGif(300, 300, 900);
    const start = performance.now();
    await refused(await server.upload(upload(slow, 'slow.gif')), 'Image took too long to process');
    expect(performance.now() - start).toBeLessThan(8_000);
  });

  test('a 66- and a 68-byte BMP with a V3 header are invalid images, not errors', async () => {
    for (const length of [66, 68]) {
      const bmp = infoBmp({ dibSize: 56, width: 1, height: 1, bpp: 32, length, pixelOffset: 62 });
      await refused(await server.upload(upload(bmp, 'tiny.bmp')), 'Invalid image');
    }
    // And a sound BMP still goes through.
    const ok = await server.upload(
      upload(
        f.bmp(40, 30, () => f.GREEN, { bitsPerPixel: 24 }),
        'fine.bmp',
      ),
    );
    expect(ok.status).toBe(200);
  });
});
