import { describe, expect, test } from 'bun:test';
import exifr from 'exifr';
import sharp from 'sharp';
import { jpegRanges, metadataRanges } from '../../src/media/containers.ts';
import { containsGps, stripGps } from '../../src/media/gps.ts';
import { processImage } from '../../src/media/image.ts';
import { readTextMetadata } from '../../src/media/metadata.ts';
import { sniffType } from '../../src/media/sniff.ts';
import * as f from '../fixtures/images.ts';

async function process(bytes: Uint8Array, options: { stripGps?: boolean; width?: number } = {}) {
  return processImage({
    bytes,
    type: await sniffType(bytes),
    maxPixels: 100_000_000,
    stripGps: options.stripGps ?? false,
    ...(options.width ? { width: options.width } : {}),
  });
}

async function decoded(bytes: Uint8Array): Promise<Buffer> {
  // failOn 'warning': a bad PNG CRC or a broken segment would fail here.
  return sharp(bytes, { failOn: 'warning' }).raw().toBuffer();
}

const FULL = {
  exif: { Make: 'Acme', Model: 'One', ImageDescription: 'Exif description', XPTitle: 'Exif title' },
  gps: true,
  xmp: { title: 'XMP title', description: 'XMP description', gps: true },
  iptc: { objectName: 'IPTC title', caption: 'IPTC caption' },
};

describe('GPS removal', () => {
  test('JPEG: GPS leaves EXIF and XMP; only metadata bytes change; pixels are identical', async () => {
    const bytes = await f.jpegWithMetadata(FULL, { width: 640, height: 480 });
    const type = await sniffType(bytes);
    expect(containsGps(bytes, type)).toBe(true);
    const result = await process(bytes, { stripGps: true });
    const stored = result.main.bytes;
    expect(stored).not.toBe(bytes);
    expect(stored.length).toBe(bytes.length);
    expect(containsGps(stored, type)).toBe(false);
    expect(await exifr.gps(stored.slice())).toBeUndefined();
    expect(Buffer.from(await decoded(stored)).equals(await decoded(bytes))).toBe(true);

    // Every changed byte lies inside an EXIF or XMP segment.
    const ranges = jpegRanges(bytes);
    const inside = (i: number) =>
      [ranges.exif!, ...ranges.xmp].some((r) => i >= r.start && i < r.end);
    const changed = [...stored.keys()].filter((i) => stored[i] !== bytes[i]);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.filter((i) => !inside(i))).toEqual([]);

    // The rest of the metadata survives.
    expect(result.exif).toMatchObject({ Make: 'Acme', Model: 'One' });
    expect(Object.keys(result.exif!).filter((k) => k.startsWith('GPS'))).toEqual([]);
    const xmp = new TextDecoder().decode(stored.subarray(ranges.xmp[0]!.start, ranges.xmp[0]!.end));
    expect(xmp).toContain('XMP title');
    expect(xmp).not.toContain('GPS');
    expect(result.title).toBe('XMP title');
  });

  test('with stripGps off, or with no GPS, the very same bytes object is stored', async () => {
    const withGps = await f.jpegWithMetadata({ gps: true, exif: { Make: 'Acme' } });
    const kept = await process(withGps, { stripGps: false });
    expect(kept.main.bytes).toBe(withGps);
    expect(kept.exif).toMatchObject({ GPSLatitudeRef: 'N', GPSLatitude: [51, 30, 0] });

    const without = await f.jpegWithMetadata({ exif: { Make: 'Acme' } });
    expect((await process(without, { stripGps: true })).main.bytes).toBe(without);
    const png = await f.solidPng(10, 10);
    expect(stripGps(png, await sniffType(png))).toBe(png);
  });

  test('the uploaded bytes are never changed, also when they come as a Buffer', async () => {
    const withGps = await f.jpegWithMetadata({ gps: true, exif: { Make: 'Acme' } });
    // Uploads held in memory arrive as Buffers, whose slice() is a view, not a copy.
    const received = Buffer.from(withGps);
    const stripped = stripGps(received, await sniffType(received));
    expect(stripped).not.toBe(received);
    expect(containsGps(stripped, await sniffType(stripped))).toBe(false);
    expect(new Uint8Array(received)).toEqual(new Uint8Array(withGps));
    expect(containsGps(received, await sniffType(received))).toBe(true);
  });

  for (const format of ['png', 'webp', 'avif'] as const) {
    test(`${format.toUpperCase()}: GPS removed in place, pixels identical, file still valid`, async () => {
      const bytes = await f.withMetadataAs(format, {
        exif: { Make: 'Acme' },
        gps: true,
        xmp: { title: 't', gps: true },
      });
      const type = await sniffType(bytes);
      expect(containsGps(bytes, type)).toBe(true);
      const result = await process(bytes, { stripGps: true });
      expect(result.main.bytes.length).toBe(bytes.length);
      expect(containsGps(result.main.bytes, type)).toBe(false);
      expect(Buffer.from(await decoded(result.main.bytes)).equals(await decoded(bytes))).toBe(true);
      expect(result.exif).toMatchObject({ Make: 'Acme' });
      expect(Object.keys(result.exif!).filter((k) => k.startsWith('GPS'))).toEqual([]);
      const ranges = metadataRanges(result.main.bytes, format);
      expect(ranges.exif).toBeDefined();
    });
  }

  test('a resized JPEG keeps its EXIF, upright and without GPS', async () => {
    const bytes = await f.jpegWithMetadata(
      { exif: { Make: 'Acme' }, gps: true, orientation: 6 },
      { width: 800, height: 600 },
    );
    const result = await process(bytes, { stripGps: true, width: 300 });
    expect([result.main.width, result.main.height]).toEqual([300, 400]);
    expect(result.exif).toMatchObject({ Make: 'Acme', Orientation: 1 });
    expect(Object.keys(result.exif!).filter((k) => k.startsWith('GPS'))).toEqual([]);
    const meta = await sharp(result.main.bytes).metadata();
    expect([meta.width, meta.height, meta.orientation]).toEqual([300, 400, 1]);

    const kept = await process(bytes, { stripGps: false, width: 300 });
    expect(kept.exif).toMatchObject({ GPSLatitudeRef: 'N' });
  });
});

describe('exif', () => {
  test('is JSON-safe and holds the file’s tags', async () => {
    const bytes = await f.jpegWithMetadata({
      exif: { Make: 'Acme', Model: 'One', XPTitle: 'Exif title', Software: 'test' },
      gps: true,
    });
    const { exif } = await process(bytes);
    expect(exif).not.toBeNull();
    expect(JSON.parse(JSON.stringify(exif))).toEqual(exif!);
    expect(exif).toMatchObject({
      Make: 'Acme',
      Model: 'One',
      Software: 'test',
      XPTitle: 'Exif title',
      GPSLongitudeRef: 'W',
      GPSLongitude: [0, 7, 30],
    });
    expect(exif!.ExifVersion).toMatch(/^0[0-9]{3}$/);
    const binary = Object.values(exif!).filter(
      (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
    );
    expect(binary).toEqual([]);
  });

  test('is null when the file has none', async () => {
    expect((await process(await f.photoJpeg(40, 30))).exif).toBeNull();
    expect((await process(await f.solidPng(10, 10))).exif).toBeNull();
  });
});

describe('title and description', () => {
  test('from EXIF alone: XPTitle and ImageDescription', async () => {
    const bytes = await f.jpegWithMetadata({
      exif: { XPTitle: 'Exif title', ImageDescription: 'Exif description' },
    });
    const result = await process(bytes);
    expect([result.title, result.description]).toEqual(['Exif title', 'Exif description']);
  });

  test('from XMP alone: the x-default dc:title and dc:description', async () => {
    const bytes = await f.jpegWithMetadata({
      xmp: { title: 'Zoë &amp; co', description: 'XMP description' },
    });
    const result = await process(bytes);
    expect([result.title, result.description]).toEqual(['Zoë & co', 'XMP description']);
  });

  test('from IPTC alone: ObjectName and Caption-Abstract', async () => {
    const bytes = await f.jpegWithMetadata({
      iptc: { objectName: 'IPTC title ✓', caption: 'IPTC caption' },
    });
    const result = await process(bytes);
    expect([result.title, result.description]).toEqual(['IPTC title ✓', 'IPTC caption']);
  });

  test('precedence: title XMP > IPTC > EXIF; description EXIF > XMP > IPTC', async () => {
    const all = await readTextMetadata(await f.jpegWithMetadata(FULL), 'jpeg');
    expect(all).toEqual({ title: 'XMP title', description: 'Exif description' });
    const noXmp = await readTextMetadata(
      await f.jpegWithMetadata({ ...FULL, xmp: undefined }),
      'jpeg',
    );
    expect(noXmp.title).toBe('IPTC title');
    const noExifDescription = await readTextMetadata(
      await f.jpegWithMetadata({ ...FULL, exif: { XPTitle: 'Exif title' } }),
      'jpeg',
    );
    expect(noExifDescription.description).toBe('XMP description');
    const captionOnly = await readTextMetadata(
      await f.jpegWithMetadata({ iptc: { caption: 'IPTC caption' }, xmp: { title: 'x' } }),
      'jpeg',
    );
    expect(captionOnly).toEqual({ title: 'x', description: 'IPTC caption' });
  });

  test('camera placeholders and blanks are not descriptions', async () => {
    const bytes = await f.jpegWithMetadata({
      exif: { ImageDescription: 'OLYMPUS DIGITAL CAMERA', XPTitle: '   ' },
    });
    expect(await readTextMetadata(bytes, 'jpeg')).toEqual({ title: null, description: null });
  });

  test('PNG and WebP: XMP and EXIF are read too', async () => {
    for (const format of ['png', 'webp'] as const) {
      const bytes = await f.withMetadataAs(format, {
        xmp: { title: `${format} title` },
        exif: { ImageDescription: `${format} description` },
      });
      const result = await process(bytes);
      expect([result.title, result.description]).toEqual([
        `${format} title`,
        `${format} description`,
      ]);
    }
  });

  test('none at all', async () => {
    const result = await process(await f.photoJpeg(40, 30));
    expect([result.title, result.description]).toEqual([null, null]);
  });
});
