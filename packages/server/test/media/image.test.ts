import { beforeAll, describe, expect, test } from 'bun:test';
import sharp from 'sharp';
import { MediaError } from '../../src/media/errors.ts';
import { type ProcessImageInput, processImage, readImageHeader } from '../../src/media/image.ts';
import { sniffType } from '../../src/media/sniff.ts';
import * as f from '../fixtures/images.ts';

const MAX_PIXELS = 100_000_000;

async function process(
  bytes: Uint8Array,
  options: Partial<Omit<ProcessImageInput, 'bytes' | 'type'>> = {},
) {
  return processImage({
    bytes,
    type: await sniffType(bytes),
    maxPixels: MAX_PIXELS,
    stripGps: false,
    ...options,
  });
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof MediaError)) throw error;
    return error.reason;
  }
  throw new Error('expected a MediaError');
}

/** The colour of one pixel of an encoded image (frame `page` of an animation). */
async function pixelAt(bytes: Uint8Array, x: number, y: number, page = 0): Promise<number[]> {
  const { data, info } = await sharp(bytes, { page })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const o = (y * info.width + x) * info.channels;
  return [data[o]!, data[o + 1]!, data[o + 2]!];
}

function expectColour(actual: number[], expected: readonly number[]): void {
  const distance = Math.max(...actual.map((v, i) => Math.abs(v - expected[i]!)));
  expect({ actual, close: distance <= 40 }).toEqual({ actual, close: true });
}

describe('readImageHeader', () => {
  test('reads each format’s dimensions, frame count and orientation', async () => {
    const cases: Array<
      [
        Uint8Array,
        { width: number; height: number; pages: number; orientation: number | undefined },
      ]
    > = [
      [await f.photoJpeg(120, 80), { width: 120, height: 80, pages: 1, orientation: undefined }],
      [await f.splitJpeg(120, 80, 6), { width: 120, height: 80, pages: 1, orientation: 6 }],
      [await f.solidPng(33, 17), { width: 33, height: 17, pages: 1, orientation: undefined }],
      [
        await f.animated('gif', 30, 20, 3),
        { width: 30, height: 20, pages: 3, orientation: undefined },
      ],
      [
        await f.animated('webp', 30, 20, 4),
        { width: 30, height: 20, pages: 4, orientation: undefined },
      ],
      [await f.avif(40, 24), { width: 40, height: 24, pages: 1, orientation: undefined }],
      [
        f.bmp(7, 5, () => f.RED, { bitsPerPixel: 24 }),
        { width: 7, height: 5, pages: 1, orientation: undefined },
      ],
    ];
    for (const [bytes, expected] of cases) {
      expect(await readImageHeader(bytes, await sniffType(bytes))).toEqual(expected);
    }
  });

  test('reads a 20000x20000 PNG bomb from its header without decoding it', async () => {
    const bomb = f.pngBomb(20000, 20000);
    expect(bomb.length).toBeLessThan(200_000);
    const header = await readImageHeader(bomb, await sniffType(bomb));
    expect(header).toEqual({ width: 20000, height: 20000, pages: 1, orientation: undefined });
  });

  test('an unreadable header is an invalid image', async () => {
    const jpegType = { kind: 'image' as const, mime: 'image/jpeg', extension: 'jpeg' };
    expect(await failure(readImageHeader(f.randomBytes(500), jpegType))).toBe('invalid-image');
    const bmpType = { kind: 'image' as const, mime: 'image/bmp', extension: 'bmp' };
    expect(await failure(readImageHeader(new TextEncoder().encode('BMxx'), bmpType))).toBe(
      'invalid-image',
    );
  });
});

describe('processImage: limits', () => {
  test('refuses a PNG bomb before decoding it', async () => {
    const bomb = f.pngBomb(20000, 20000);
    expect(await failure(process(bomb))).toBe('too-many-pixels');
    // Under a larger limit the same file is an ordinary image: the refusal is the limit's.
    const small = f.pngBomb(2000, 1000);
    expect(await failure(process(small, { maxPixels: 1_999_999 }))).toBe('too-many-pixels');
    expect((await process(small, { maxPixels: 2_000_000 })).main.width).toBe(2000);
  });

  test('counts every frame of an animation', async () => {
    const gif = await f.animated('gif', 20, 20, 3); // 1200 pixels decoded
    expect(await failure(process(gif, { maxPixels: 1199 }))).toBe('too-many-pixels');
    expect((await process(gif, { maxPixels: 1200 })).isAnimated).toBe(true);
  });

  test('truncated and corrupt files are invalid images', async () => {
    const jpeg = await f.photoJpeg(400, 300);
    const png = await f.photoPng(300, 200);
    expect(await failure(process(f.truncated(jpeg)))).toBe('invalid-image');
    expect(await failure(process(f.truncated(png)))).toBe('invalid-image');
    const corrupt = png.slice();
    corrupt.fill(0x55, Math.floor(png.length / 2), Math.floor(png.length / 2) + 64);
    expect(await failure(process(corrupt))).toBe('invalid-image');
    const notAJpeg = f.concat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]), f.randomBytes(2000));
    expect(await failure(process(notAJpeg))).toBe('invalid-image');
    const bmp = f.bmp(20, 20, () => f.RED, { bitsPerPixel: 24 });
    expect(await failure(process(f.truncated(bmp, 0.5)))).toBe('invalid-image');
  });
});

describe('processImage: variants', () => {
  let photo: Uint8Array;
  beforeAll(async () => {
    photo = await f.photoJpeg(1200, 900);
  });

  test('a large JPEG keeps its bytes and gets a 320x320 thumb and a 500-wide medium, as JPEG', async () => {
    const result = await process(photo);
    expect(result.main.bytes).toBe(photo);
    expect({ ...result.main, bytes: null }).toEqual({
      bytes: null,
      mime: 'image/jpeg',
      extension: 'jpeg',
      width: 1200,
      height: 900,
    });
    expect([result.thumb.width, result.thumb.height, result.thumb.extension]).toEqual([
      320,
      320,
      'jpeg',
    ]);
    expect([result.medium?.width, result.medium?.height, result.medium?.extension]).toEqual([
      500,
      375,
      'jpeg',
    ]);
    const thumbMeta = await sharp(result.thumb.bytes).metadata();
    const mediumMeta = await sharp(result.medium!.bytes).metadata();
    expect([thumbMeta.format, thumbMeta.width, thumbMeta.height]).toEqual(['jpeg', 320, 320]);
    expect([mediumMeta.format, mediumMeta.width, mediumMeta.height]).toEqual(['jpeg', 500, 375]);
    expect(result.isAnimated).toBe(false);
  });

  test('the medium exists only when the image is wider than 500 px', async () => {
    expect((await process(await f.photoJpeg(500, 700))).medium).toBeNull();
    const wider = await process(await f.photoJpeg(501, 300));
    expect([wider.medium?.width, wider.medium?.height]).toEqual([500, 299]);
    const tall = await process(await f.photoJpeg(300, 1500));
    expect(tall.medium).toBeNull();
    // 300 wide: the cover crop keeps the width rather than enlarging it.
    expect([tall.thumb.width, tall.thumb.height]).toEqual([300, 320]);
  });

  test('thumbs never enlarge: a small image gets a cover crop no bigger than itself', async () => {
    for (const [width, height, thumb] of [
      [40, 10, [40, 10]],
      [160, 120, [160, 120]],
      [400, 100, [320, 100]],
      [100, 700, [100, 320]],
      [320, 320, [320, 320]],
    ] as const) {
      const result = await process(await f.photoPng(width, height));
      const meta = await sharp(result.thumb.bytes).metadata();
      expect({ width, height, thumb: [meta.width, meta.height, result.thumb.width] }).toEqual({
        width,
        height,
        thumb: [...thumb, thumb[0]],
      });
      expect(result.thumb.bytes.length).toBeLessThan(result.main.bytes.length + 1000);
      expect(result.medium).toBeNull();
    }
    // The crop is centred, like the large-image thumbs.
    const split = await process(
      new Uint8Array(await f.splitPixels(400, 100, f.RED, f.BLUE).png().toBuffer()),
    );
    expectColour(await pixelAt(split.thumb.bytes, 10, 50), f.RED);
    expectColour(await pixelAt(split.thumb.bytes, 310, 50), f.BLUE);
  });

  test('thumbs never enlarge: a small animated GIF and a small BMP', async () => {
    const gif = await process(await f.animated('gif', 160, 120, 3));
    const meta = await sharp(gif.thumb.bytes).metadata();
    expect([
      meta.pages,
      meta.width,
      meta.pageHeight ?? meta.height,
      gif.thumb.width,
      gif.thumb.height,
    ]).toEqual([3, 160, 120, 160, 120]);
    expect([gif.medium!.width, gif.medium!.height]).toEqual([160, 120]);
    expect(gif.thumb.bytes.length).toBeLessThan(gif.main.bytes.length * 2);
    const bmp = await process(f.bmp(200, 50, () => f.RED, { bitsPerPixel: 24 }));
    expect([bmp.thumb.width, bmp.thumb.height, bmp.medium]).toEqual([200, 50, null]);
  });

  test('PNG variants are PNG and keep transparency', async () => {
    const png = await f.solidPng(800, 600, { alpha: true });
    const result = await process(png);
    expect(result.main.bytes).toBe(png);
    for (const variant of [result.thumb, result.medium!]) {
      const meta = await sharp(variant.bytes).metadata();
      expect([meta.format, meta.hasAlpha, variant.mime]).toEqual(['png', true, 'image/png']);
    }
    expect([result.medium!.width, result.medium!.height]).toEqual([500, 375]);
  });

  test('AVIF is stored as it is; its variants are WebP', async () => {
    const bytes = await f.avif(640, 480);
    const result = await process(bytes);
    expect(result.main.bytes).toBe(bytes);
    expect([result.main.mime, result.main.extension, result.main.width]).toEqual([
      'image/avif',
      'avif',
      640,
    ]);
    expect([result.thumb.extension, result.thumb.mime]).toEqual(['webp', 'image/webp']);
    expect((await sharp(result.medium!.bytes).metadata()).format).toBe('webp');
    expect([result.medium!.width, result.medium!.height]).toEqual([500, 375]);
  });
});

describe('processImage: EXIF orientation', () => {
  // Stored: left half red, right half blue.
  test('orientation 6 (90° clockwise): red ends on top, dimensions swap', async () => {
    const jpeg = await f.splitJpeg(1200, 600, 6);
    const result = await process(jpeg);
    expect([result.main.width, result.main.height]).toEqual([600, 1200]);
    expect(result.main.bytes).toBe(jpeg);
    expect([result.medium!.width, result.medium!.height]).toEqual([500, 1000]);
    expectColour(await pixelAt(result.medium!.bytes, 250, 100), f.RED);
    expectColour(await pixelAt(result.medium!.bytes, 250, 900), f.BLUE);
    expectColour(await pixelAt(result.thumb.bytes, 160, 40), f.RED);
    expectColour(await pixelAt(result.thumb.bytes, 160, 280), f.BLUE);
  });

  test('orientation 8 (90° counter-clockwise): red ends at the bottom', async () => {
    const result = await process(await f.splitJpeg(1200, 600, 8));
    expect([result.main.width, result.main.height]).toEqual([600, 1200]);
    expectColour(await pixelAt(result.medium!.bytes, 250, 100), f.BLUE);
    expectColour(await pixelAt(result.medium!.bytes, 250, 900), f.RED);
  });

  test('without orientation, red stays left', async () => {
    const result = await process(await f.splitJpeg(1200, 600));
    expect([result.main.width, result.main.height]).toEqual([1200, 600]);
    expectColour(await pixelAt(result.medium!.bytes, 50, 125), f.RED);
    expectColour(await pixelAt(result.medium!.bytes, 450, 125), f.BLUE);
  });
});

describe('processImage: animations', () => {
  for (const format of ['gif', 'webp'] as const) {
    test(`animated ${format} keeps every frame and its timing in thumb and medium`, async () => {
      const bytes = await f.animated(format, 600, 400, 4);
      const result = await process(bytes, { width: 100 });
      expect(result.isAnimated).toBe(true);
      expect(result.main.bytes).toBe(bytes); // width is ignored for animations
      expect([result.main.width, result.main.height]).toEqual([600, 400]);
      const source = await sharp(bytes).metadata();
      for (const [variant, width, height] of [
        [result.thumb, 320, 320],
        [result.medium!, 500, 333],
      ] as const) {
        const meta = await sharp(variant.bytes).metadata();
        expect([meta.format, meta.pages, meta.width, meta.pageHeight ?? meta.height]).toEqual([
          format,
          4,
          width,
          height,
        ]);
        expect([variant.width, variant.height, variant.extension]).toEqual([width, height, format]);
        expect(meta.delay).toEqual(source.delay);
        // Frame i was drawn in colour i.
        expectColour(await pixelAt(variant.bytes, 10, 10, 1), f.GREEN);
        expectColour(await pixelAt(variant.bytes, 10, 10, 2), f.BLUE);
      }
    });
  }

  test('every animation has a medium, a narrow one is not enlarged', async () => {
    const result = await process(await f.animated('gif', 200, 100, 2));
    expect(result.medium).not.toBeNull();
    expect([result.medium!.width, result.medium!.height]).toEqual([200, 100]);
    expect((await sharp(result.medium!.bytes).metadata()).pages).toBe(2);
  });

  test('a one-frame GIF is a still image', async () => {
    const result = await process(await f.animated('gif', 600, 300, 1));
    expect(result.isAnimated).toBe(false);
    expect([result.medium!.width, result.medium!.extension]).toEqual([500, 'gif']);
  });
});

describe('processImage: width', () => {
  test('resizes the stored file, and the variants follow it', async () => {
    const photo = await f.photoJpeg(1200, 900);
    const result = await process(photo, { width: 800 });
    expect(result.main.bytes).not.toBe(photo);
    expect([result.main.width, result.main.height, result.main.extension]).toEqual([
      800,
      600,
      'jpeg',
    ]);
    const meta = await sharp(result.main.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 800, 600]);
    expect([result.medium?.width, result.medium?.height]).toEqual([500, 375]);

    const narrow = await process(photo, { width: 400 });
    expect([narrow.main.width, narrow.main.height]).toEqual([400, 300]);
    expect(narrow.medium).toBeNull();
  });

  test('the same width as the image keeps the original bytes', async () => {
    const photo = await f.photoJpeg(700, 500);
    expect((await process(photo, { width: 700 })).main.bytes).toBe(photo);
  });

  test('wider than the displayed image is refused (orientation counts)', async () => {
    const photo = await f.photoJpeg(700, 500);
    expect(await failure(process(photo, { width: 701 }))).toBe('width-too-large');
    const portrait = await f.splitJpeg(1200, 600, 6); // displayed 600x1200
    expect(await failure(process(portrait, { width: 700 }))).toBe('width-too-large');
    const resized = await process(portrait, { width: 300 });
    expect([resized.main.width, resized.main.height]).toEqual([300, 600]);
    expectColour(await pixelAt(resized.main.bytes, 150, 100), f.RED);
    expectColour(await pixelAt(resized.main.bytes, 150, 500), f.BLUE);
    // The stored file is upright: no orientation left to apply twice.
    expect((await sharp(resized.main.bytes).metadata()).orientation ?? 1).toBe(1);
  });

  test('PNG and WebP are resized in their own format', async () => {
    const png = await process(await f.photoPng(900, 600), { width: 450 });
    expect([png.main.extension, (await sharp(png.main.bytes).metadata()).format]).toEqual([
      'png',
      'png',
    ]);
    expect([png.main.width, png.main.height]).toEqual([450, 300]);
    const webp = await process(await f.withMetadataAs('webp', {}), { width: 32 });
    expect([webp.main.extension, webp.main.width, webp.main.height]).toEqual(['webp', 32, 24]);
  });
});

describe('processImage: BMP', () => {
  const splitBmp = (width: number, height: number) =>
    f.bmp(width, height, (x) => (x < width / 2 ? f.RED : f.BLUE), { bitsPerPixel: 24 });

  test('is stored as PNG with the same pixels, variants PNG', async () => {
    const bytes = splitBmp(600, 400);
    expect(await sniffType(bytes)).toEqual({ kind: 'image', mime: 'image/bmp', extension: 'bmp' });
    const result = await process(bytes);
    expect([
      result.main.mime,
      result.main.extension,
      result.main.width,
      result.main.height,
    ]).toEqual(['image/png', 'png', 600, 400]);
    const { data, info } = await sharp(result.main.bytes)
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([600, 400, 3]);
    expect([...data.subarray(0, 3)]).toEqual([...f.RED]);
    expect([...data.subarray((600 * 400 - 1) * 3)]).toEqual([...f.BLUE]);
    expect([
      result.thumb.extension,
      result.thumb.width,
      result.medium?.extension,
      result.medium?.width,
    ]).toEqual(['png', 320, 'png', 500]);
    expect(result.exif).toBeNull();
  });

  test('can be resized, and refuses a width larger than its own', async () => {
    const bytes = splitBmp(600, 400);
    const result = await process(bytes, { width: 300 });
    expect([result.main.extension, result.main.width, result.main.height]).toEqual([
      'png',
      300,
      200,
    ]);
    expect(result.medium).toBeNull();
    expect(await failure(process(bytes, { width: 601 }))).toBe('width-too-large');
  });
});
