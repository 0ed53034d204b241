import { describe, expect, test } from 'bun:test';
import { decodeBmp, readBmpHeader } from '../../src/media/bmp.ts';
import { MediaError } from '../../src/media/errors.ts';
import * as f from '../fixtures/images.ts';

const MAX_PIXELS = 100_000_000;
const W = 5;
const H = 3;
// A different colour for each pixel, so a flipped or shifted row shows.
const colour = (x: number, y: number): [number, number, number] => [
  x * 50,
  y * 100,
  255 - x * 10 - y,
];

function pixelsOf(decoded: { width: number; height: number; channels: number; data: Uint8Array }) {
  const out: number[][] = [];
  for (let i = 0; i < decoded.width * decoded.height; i++) {
    out.push([...decoded.data.subarray(i * decoded.channels, (i + 1) * decoded.channels)]);
  }
  return out;
}

function expected(channels: 3 | 4, alpha?: (x: number, y: number) => number): number[][] {
  const out: number[][] = [];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++)
      out.push(channels === 3 ? colour(x, y) : [...colour(x, y), alpha!(x, y)]);
  }
  return out;
}

describe('decodeBmp', () => {
  test('24-bit, bottom-up and top-down', () => {
    for (const topDown of [false, true]) {
      const decoded = decodeBmp(f.bmp(W, H, colour, { bitsPerPixel: 24, topDown }), MAX_PIXELS);
      expect([decoded.width, decoded.height, decoded.channels]).toEqual([W, H, 3]);
      expect(pixelsOf(decoded)).toEqual(expected(3));
    }
  });

  test('32-bit with an alpha mask keeps alpha; plain 32-bit is opaque', () => {
    const alpha = (x: number, y: number) => (x + y) * 20;
    const withAlpha = decodeBmp(f.bmp(W, H, colour, { bitsPerPixel: 32, alpha }), MAX_PIXELS);
    expect(withAlpha.channels).toBe(4);
    expect(pixelsOf(withAlpha)).toEqual(expected(4, alpha));
    const plain = decodeBmp(f.bmp(W, H, colour, { bitsPerPixel: 32 }), MAX_PIXELS);
    expect(plain.channels).toBe(3);
    expect(pixelsOf(plain)).toEqual(expected(3));
  });

  test('palette depths 8, 4 and 1, and RLE8', () => {
    const palette: Array<[number, number, number]> = [
      [0, 0, 0],
      [255, 255, 255],
      [255, 0, 0],
      [0, 0, 255],
    ];
    const index = (x: number, y: number) => ((x + y) % 2 === 0 ? x % 4 : 1);
    const oneBitIndex = (x: number, y: number) => (x + y) % 2;
    const want = (idx: (x: number, y: number) => number) => {
      const out: number[][] = [];
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out.push([...palette[idx(x, y)]!]);
      return out;
    };
    for (const [bitsPerPixel, idx, rle] of [
      [8, index, false],
      [4, index, false],
      [1, oneBitIndex, false],
      [8, index, true],
    ] as const) {
      const bytes = f.bmp(W, H, colour, { bitsPerPixel, rle }, palette, idx);
      const decoded = decodeBmp(bytes, MAX_PIXELS);
      expect({ bitsPerPixel, rle, pixels: pixelsOf(decoded) }).toEqual({
        bitsPerPixel,
        rle,
        pixels: want(idx),
      });
    }
  });

  test('refuses truncated data, bad signatures and unsupported compression', () => {
    const bytes = f.bmp(40, 40, colour, { bitsPerPixel: 24 });
    const reasons: string[] = [];
    const broken = bytes.slice();
    new DataView(broken.buffer).setUint32(30, 4, true); // BI_JPEG
    for (const bad of [f.truncated(bytes, 0.5), new TextEncoder().encode('BMnotreally'), broken]) {
      try {
        decodeBmp(bad, MAX_PIXELS);
        reasons.push('decoded');
      } catch (error) {
        reasons.push(error instanceof MediaError ? error.reason : 'other');
      }
    }
    expect(reasons).toEqual(['invalid-image', 'invalid-image', 'invalid-image']);
  });

  test('readBmpHeader reads dimensions without touching pixels', () => {
    const bytes = f.bmp(W, H, colour, { bitsPerPixel: 24, topDown: true });
    expect(readBmpHeader(bytes.subarray(0, 54))).toMatchObject({
      width: W,
      height: H,
      topDown: true,
      bitsPerPixel: 24,
    });
  });
});
