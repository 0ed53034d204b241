import { describe, expect, test } from 'bun:test';
import { MediaError } from '../../src/media/errors.ts';
import { type SniffedType, sniffType } from '../../src/media/sniff.ts';
import * as f from '../fixtures/images.ts';

async function reasonOf(bytes: Uint8Array): Promise<string> {
  try {
    await sniffType(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(MediaError);
    return (error as MediaError).reason;
  }
  throw new Error('sniffType accepted it');
}

describe('sniffType accepts', () => {
  const image = (mime: string, extension: string): SniffedType => ({
    kind: 'image',
    mime,
    extension,
  });
  const video = (mime: string, extension: string): SniffedType => ({
    kind: 'video',
    mime,
    extension,
  });
  const cases: Array<[string, () => Promise<Uint8Array> | Uint8Array, SniffedType]> = [
    ['JPEG', () => f.photoJpeg(32, 24), image('image/jpeg', 'jpeg')],
    ['PNG', () => f.solidPng(8, 8), image('image/png', 'png')],
    ['GIF', () => f.animated('gif', 8, 8, 2), image('image/gif', 'gif')],
    ['WebP', () => f.animated('webp', 8, 8, 2), image('image/webp', 'webp')],
    ['AVIF', () => f.avif(16, 16), image('image/avif', 'avif')],
    [
      'AVIF with a mif1 major brand',
      () => f.ftyp('mif1', ['mif1', 'avif', 'miaf']),
      image('image/avif', 'avif'),
    ],
    ['BMP', () => f.bmp(2, 2, () => f.RED, { bitsPerPixel: 24 }), image('image/bmp', 'bmp')],
    ['MP4', () => f.ftyp('isom', ['isom', 'avc1', 'mp41']), video('video/mp4', 'mp4')],
    ['M4V as MP4', () => f.ftyp('M4V', ['M4V', 'mp42']), video('video/mp4', 'mp4')],
    ['QuickTime', () => f.ftyp('qt', ['qt']), video('video/quicktime', 'mov')],
    ['WebM', () => f.ebml('webm'), video('video/webm', 'webm')],
  ];
  for (const [name, make, expected] of cases) {
    test(name, async () => {
      expect(await sniffType(await make())).toEqual(expected);
    });
  }
});

describe('sniffType refuses', () => {
  const cases: Array<[string, () => Promise<Uint8Array> | Uint8Array, string]> = [
    ['TIFF', () => f.tiff(), 'unsupported-type'],
    ['HEIC', () => f.ftyp('heic', ['mif1', 'heic']), 'unsupported-type'],
    ['HEIF with a mif1 major brand', () => f.ftyp('mif1', ['mif1', 'heic']), 'unsupported-type'],
    ['ICO', () => f.ICO, 'unsupported-type'],
    ['PDF', () => f.PDF, 'unsupported-type'],
    ['PSD', () => f.PSD, 'unsupported-type'],
    ['SVG with a prolog and a script', () => f.SVG_WITH_SCRIPT, 'unsupported-type'],
    ['bare SVG', () => f.BARE_SVG, 'unsupported-type'],
    ['Matroska (not WebM)', () => f.ebml('matroska'), 'unsupported-type'],
    ['HTML', () => f.HTML, 'unknown-type'],
    ['plain text', () => f.TEXT, 'unknown-type'],
    ['random bytes', () => f.randomBytes(4096), 'unknown-type'],
    ['empty input', () => new Uint8Array(0), 'unknown-type'],
  ];
  for (const [name, make, reason] of cases) {
    test(name, async () => {
      expect(await reasonOf(await make())).toBe(reason);
    });
  }

  test('HTML whose file name or content type would claim an image still fails: only bytes count', async () => {
    const html = f.concat(new TextEncoder().encode('   \n'), f.HTML);
    expect(await reasonOf(html)).toBe('unknown-type');
  });
});
