import { describe, expect, test } from 'bun:test';
import { decodeBmp } from '../../src/media/bmp.ts';
import { MediaError } from '../../src/media/errors.ts';
import { generateBmp, HEADERS, infoBmp, kindsFor, mutate, prng } from './bmp-gen.ts';

const MAX_PIXELS = 100_000_000;

function outcome(bytes: Uint8Array, maxPixels = MAX_PIXELS): string {
  try {
    const d = decodeBmp(bytes, maxPixels);
    return `decoded ${d.width}x${d.height}x${d.channels}`;
  } catch (error) {
    if (error instanceof MediaError) return `${error.reason}: ${error.message}`;
    return `other ${(error as Error).name}: ${(error as Error).message}`;
  }
}

describe('BMP: valid files of every kind', () => {
  test('every header, depth and compression decodes to the pixels written', () => {
    const rng = prng(0x5eed);
    const wrong: string[] = [];
    let count = 0;
    for (const header of HEADERS) {
      for (const kind of kindsFor(header)) {
        for (let i = 0; i < 12; i++) {
          const size = { width: rng.int(1, 45), height: rng.int(1, 30) };
          const g = generateBmp(rng, kind, header, size);
          count++;
          try {
            const d = decodeBmp(g.bytes, MAX_PIXELS);
            const same =
              d.width === g.width &&
              d.height === g.height &&
              d.channels === g.channels &&
              Buffer.from(d.data).equals(Buffer.from(g.expected));
            if (!same) wrong.push(`${g.describe}: wrong pixels or shape`);
          } catch (error) {
            wrong.push(`${g.describe}: ${(error as Error).message}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(count).toBeGreaterThan(400);
  });
});

describe('BMP: hostile files', () => {
  test('fuzz: thousands of mutated files decode within the limits or throw MediaError', () => {
    const rng = prng(0xbadb17);
    const maxPixels = 2_000_000;
    const problems: string[] = [];
    const seen = { decoded: 0, 'invalid-image': 0, 'too-many-pixels': 0 } as Record<string, number>;
    let slowest = 0;
    const cases = 4000;
    for (let i = 0; i < cases; i++) {
      const header = rng.pick(HEADERS);
      const kind = rng.pick(kindsFor(header));
      const base = generateBmp(rng, kind, header, {
        width: rng.int(1, 64),
        height: rng.int(1, 48),
      });
      const { bytes, how } = mutate(rng, base.bytes);
      const start = performance.now();
      try {
        const d = decodeBmp(bytes, maxPixels);
        const ok =
          Number.isInteger(d.width) &&
          Number.isInteger(d.height) &&
          d.width > 0 &&
          d.height > 0 &&
          d.width * d.height <= maxPixels &&
          (d.channels === 3 || d.channels === 4) &&
          d.data.length === d.width * d.height * d.channels;
        if (!ok) problems.push(`case ${i} (${base.describe}; ${how}): bad result`);
        seen.decoded = (seen.decoded ?? 0) + 1;
      } catch (error) {
        if (error instanceof MediaError) seen[error.reason] = (seen[error.reason] ?? 0) + 1;
        else problems.push(`case ${i} (${base.describe}; ${how}): ${String(error)}`);
      }
      slowest = Math.max(slowest, performance.now() - start);
    }
    expect(problems).toEqual([]);
    // The fuzz reaches every outcome, not just the first check.
    expect(seen.decoded).toBeGreaterThan(cases / 10);
    expect(seen['invalid-image']).toBeGreaterThan(cases / 10);
    expect(seen['too-many-pixels']).toBeGreaterThan(10);
    expect(Object.keys(seen).sort()).toEqual(['decoded', 'invalid-image', 'too-many-pixels']);
    expect(slowest).toBeLessThan(1000);
  });

  test('a 66- or 68-byte file with a V3 header is an invalid image, not a crash', () => {
    for (const length of [66, 68]) {
      const bytes = infoBmp({ dibSize: 56, width: 1, height: 1, bpp: 32, length, pixelOffset: 62 });
      expect(outcome(bytes)).toBe('invalid-image: BMP: truncated header');
    }
    // A V3 header cut anywhere, any depth or compression: decoded or MediaError, never
    // another exception (those answered 500).
    for (let length = 18; length <= 74; length++) {
      for (const [bpp, compression] of [
        [32, 0],
        [32, 3],
        [16, 3],
        [32, 6],
        [8, 1],
        [4, 2],
        [1, 0],
      ] as const) {
        const bytes = infoBmp({ dibSize: 56, width: 1, height: 1, bpp, compression, length });
        expect(outcome(bytes)).toMatch(/^(decoded|invalid-image: )/);
      }
    }
  });

  test('a 1 KB file declaring 10000x10000 is refused before anything is allocated', () => {
    const big = infoBmp({ width: 10000, height: 10000, bpp: 24, length: 1024 });
    const before = process.memoryUsage().arrayBuffers;
    const start = performance.now();
    // Within the pixel limit: the pixel data it declares is not there.
    expect(outcome(big)).toBe('invalid-image: BMP: truncated pixel data');
    // Under a smaller limit: refused from the header alone.
    expect(outcome(big, 1_000_000)).toBe(
      'too-many-pixels: BMP: 10000x10000 exceeds 1000000 pixels',
    );
    const rle = infoBmp({ width: 10000, height: 10000, bpp: 8, compression: 1, length: 1024 });
    expect(outcome(rle, 1_000_000)).toMatch(/^too-many-pixels: /);
    expect(performance.now() - start).toBeLessThan(100);
    // 300 MB of RGB would show here.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(10_000_000);
  });

  test('RLE runs stop at the end of the row: work is bounded by what is written', () => {
    // A 1x1 RLE8 image followed by 10 million runs that each claim 255 more pixels.
    const runs = 10_000_000;
    const offset = 14 + 40 + 4;
    const bytes = infoBmp({
      width: 1,
      height: 1,
      bpp: 8,
      compression: 1,
      pixelOffset: offset,
      length: offset + runs * 2 + 2,
    });
    new DataView(bytes.buffer).setUint32(46, 1, true);
    bytes.set([10, 20, 30, 0], 54); // the one palette entry
    for (let i = 0; i < runs; i++) bytes[offset + i * 2] = 255;
    bytes.set([0, 1], offset + runs * 2);
    const start = performance.now();
    const decoded = decodeBmp(bytes, MAX_PIXELS);
    const ms = performance.now() - start;
    expect([...decoded.data]).toEqual([30, 20, 10]);
    // Unclamped, the runs cost 2.5 G loop steps (seconds); clamped, 10 M.
    expect(ms).toBeLessThan(1000);
  });

  test('pixels past the row end are dropped, not carried to the next row', () => {
    // 2x2 RLE8, bottom row: a run of 5 of index 1; top row: one pixel of index 2.
    const offset = 14 + 40 + 12;
    const data = [5, 1, 0, 0, 1, 2, 0, 1];
    const bytes = infoBmp({
      width: 2,
      height: 2,
      bpp: 8,
      compression: 1,
      pixelOffset: offset,
      length: offset + data.length,
    });
    new DataView(bytes.buffer).setUint32(46, 3, true);
    bytes.set([0, 0, 0, 0, 0, 0, 255, 0, 255, 0, 0, 0], 54); // black, red, blue
    bytes.set(data, offset);
    const decoded = decodeBmp(bytes, MAX_PIXELS);
    // Top row: blue then black (skipped); bottom row: red, red.
    expect([...decoded.data]).toEqual([0, 0, 255, 0, 0, 0, 255, 0, 0, 255, 0, 0]);
  });
});
