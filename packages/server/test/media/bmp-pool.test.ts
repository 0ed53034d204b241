import { afterAll, describe, expect, test } from 'bun:test';
import { decodeBmp } from '../../src/media/bmp.ts';
import { createBmpPool } from '../../src/media/bmp-pool.ts';
import { MediaError } from '../../src/media/errors.ts';
import { processImage } from '../../src/media/image.ts';
import { sniffType } from '../../src/media/sniff.ts';
import * as f from '../fixtures/images.ts';
import { infoBmp } from './bmp-gen.ts';

const MAX_PIXELS = 100_000_000;
const pool = createBmpPool();
afterAll(() => pool.close());

// 100 MP at one bit per pixel: 12.5 MB of file, about a second of decoding.
const heavy = f.bmp(
  10_000,
  10_000,
  () => f.RED,
  { bitsPerPixel: 1 },
  [
    [255, 0, 0],
    [0, 0, 255],
  ],
  (x, y) => (x + y) & 1,
);

async function failure(promise: Promise<unknown>): Promise<MediaError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MediaError) return error;
    throw error;
  }
  throw new Error('expected a MediaError');
}

describe('BMP worker pool', () => {
  test('starts no worker until asked; decodes like the decoder; reuses its workers', async () => {
    expect(pool.size).toBe(0);
    const bytes = f.bmp(7, 5, (x, y) => [x * 30, y * 50, 9], { bitsPerPixel: 24 });
    const decoded = await pool.decode(bytes, MAX_PIXELS, 10_000);
    expect(decoded).toEqual(decodeBmp(bytes, MAX_PIXELS));
    expect(decoded.data.buffer.byteLength).toBe(7 * 5 * 3);
    expect(pool.size).toBe(1);
    await pool.decode(bytes, MAX_PIXELS, 10_000);
    expect(pool.size).toBe(1);
    // Two at once: a second worker; both kept.
    await Promise.all([
      pool.decode(bytes, MAX_PIXELS, 10_000),
      pool.decode(bytes, MAX_PIXELS, 10_000),
    ]);
    expect(pool.size).toBe(2);
  });

  test('refusals come back as the decoder’s MediaError', async () => {
    const truncated = await failure(pool.decode(f.truncated(heavy, 0.5), MAX_PIXELS, 10_000));
    expect([truncated.reason, truncated.message]).toEqual([
      'invalid-image',
      'BMP: truncated pixel data',
    ]);
    const v3 = infoBmp({ dibSize: 56, width: 1, height: 1, bpp: 32, length: 66, pixelOffset: 62 });
    expect((await failure(pool.decode(v3, MAX_PIXELS, 10_000))).reason).toBe('invalid-image');
    expect((await failure(pool.decode(heavy, 1_000_000, 10_000))).reason).toBe('too-many-pixels');
  });

  test('the decode runs off the main thread', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const start = performance.now();
    const decoded = await pool.decode(heavy, MAX_PIXELS, 60_000);
    const ms = performance.now() - start;
    clearInterval(timer);
    expect(decoded.data.length).toBe(10_000 * 10_000 * 3);
    // The event loop kept turning the whole time (a main-thread decode allows no tick).
    expect(ticks).toBeGreaterThan(ms / 10 / 4);
  });

  test('at the deadline the worker is terminated and replaced; the decode fails timed-out', async () => {
    const workersBefore = pool.size;
    const start = performance.now();
    const error = await failure(pool.decode(heavy, MAX_PIXELS, 100));
    expect(error.reason).toBe('timed-out');
    expect(performance.now() - start).toBeLessThan(2_000);
    expect(pool.size).toBe(workersBefore - 1);
    // The terminated worker stopped working: no CPU burnt on the abandoned decode.
    const cpu = process.cpuUsage();
    await Bun.sleep(1_000);
    const used = process.cpuUsage(cpu);
    expect((used.user + used.system) / 1000).toBeLessThan(500);
    // The next decodes get a working worker.
    const small = f.bmp(3, 3, () => f.BLUE, { bitsPerPixel: 24 });
    await Promise.all([
      pool.decode(small, MAX_PIXELS, 10_000),
      pool.decode(small, MAX_PIXELS, 10_000),
    ]);
    expect(pool.size).toBe(workersBefore);
  });
});

describe('processImage: BMP under the media deadline', () => {
  test('a BMP that takes longer than the deadline fails with timed-out', async () => {
    const start = performance.now();
    const error = await failure(
      processImage({
        bytes: heavy,
        type: await sniffType(heavy),
        maxPixels: MAX_PIXELS,
        stripGps: false,
        timeoutMs: 200,
      }),
    );
    expect([error.reason, error.message]).toEqual([
      'timed-out',
      'BMP: decoding took longer than 200 ms',
    ]);
    expect(performance.now() - start).toBeLessThan(3_000);
  });

  test('a 1 KB RLE file declaring 10000x10000 is bounded by the deadline', async () => {
    // Valid RLE: end of bitmap at once, every pixel black; 100 MP to allocate and encode.
    const bytes = infoBmp({
      width: 10_000,
      height: 10_000,
      bpp: 8,
      compression: 1,
      pixelOffset: 1022,
      length: 1024,
    });
    new DataView(bytes.buffer).setUint32(46, 1, true); // one palette entry (black)
    bytes.set([0, 1], 1022);
    const type = await sniffType(bytes);
    const refused = await failure(
      processImage({ bytes, type, maxPixels: 99_999_999, stripGps: false }),
    );
    expect(refused.reason).toBe('too-many-pixels');
    const start = performance.now();
    const outcome = await processImage({
      bytes,
      type,
      maxPixels: MAX_PIXELS,
      stripGps: false,
      timeoutMs: 1_000,
    }).then(
      (result) => `processed ${result.main.width}x${result.main.height}`,
      (error: unknown) => (error instanceof MediaError ? error.reason : String(error)),
    );
    // Either it was done within the second or it was stopped: nothing else, and promptly
    // (sharp's clock ticks in whole seconds).
    expect(['processed 10000x10000', 'timed-out']).toContain(outcome);
    expect(performance.now() - start).toBeLessThan(5_000);
  });
});
