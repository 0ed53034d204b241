import { describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatSize } from '@upshot/schema';
import { UpshotError } from '../src/errors.ts';
import { classifyString, describeInput, looksLikeBase64, prepareInput } from '../src/input.ts';
import { md5Hex, md5HexPortable } from '../src/md5.ts';
import { toWireParams } from '../src/params.ts';
import { conformImage } from '../src/reply.ts';
import { backoffDelay, parseRetryAfter } from '../src/retry.ts';
import { sniffType } from '../src/sniff.ts';
import { makePng } from './helpers/png.ts';

const nodeMd5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

describe('md5', () => {
  test('the portable implementation matches node:crypto at block edges and RFC 1321 vectors', async () => {
    expect(md5HexPortable(new TextEncoder().encode(''))).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(md5HexPortable(new TextEncoder().encode('abc'))).toBe(
      '900150983cd24fb0d6963f7d28e17f72',
    );
    for (const length of [1, 55, 56, 63, 64, 65, 119, 120, 1000, 70_001]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
      expect({ length, md5: md5HexPortable(bytes) }).toEqual({ length, md5: nodeMd5(bytes) });
    }
    const png = makePng(3, 3);
    expect(await md5Hex(png)).toBe(nodeMd5(png));
  });
});

describe('sniffType', () => {
  test('recognises the contract types from their first bytes', () => {
    const ftyp = (brand: string) => new Uint8Array([0, 0, 0, 24, ...Buffer.from(`ftyp${brand}`)]);
    expect(sniffType(makePng(1, 1))).toEqual({ mime: 'image/png', extension: 'png' });
    expect(sniffType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))?.mime).toBe('image/jpeg');
    expect(sniffType(Buffer.from('GIF89a....'))?.mime).toBe('image/gif');
    expect(sniffType(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))?.mime).toBe('image/webp');
    expect(sniffType(ftyp('avif'))?.mime).toBe('image/avif');
    expect(sniffType(ftyp('isom'))?.mime).toBe('video/mp4');
    expect(sniffType(ftyp('qt  '))?.mime).toBe('video/quicktime');
    expect(sniffType(new Uint8Array([0x1a, 0x45, 0xdf, 0xa3]))?.mime).toBe('video/webm');
    expect(sniffType(Buffer.from('hello world'))).toBeNull();
  });
});

describe('input classification', () => {
  test('a bare string is a URL, base64, or a path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'upshot-input-'));
    // A file whose name could be base64: an existing file wins.
    const tricky = join(dir, 'QUJDREVGR0hJSktMTU5PUA==');
    await writeFile(tricky, makePng(1, 1));
    expect(await classifyString('https://example.com/a.png')).toBe('url');
    expect(await classifyString('HTTP://example.com/a.png')).toBe('url');
    expect(await classifyString('data:image/png;base64,iVBORw0KGgo=')).toBe('base64');
    expect(await classifyString(Buffer.from(makePng(2, 2)).toString('base64'))).toBe('base64');
    expect(await classifyString(tricky)).toBe('path');
    expect(await classifyString('missing.png')).toBe('path');
    expect(await classifyString('ftp://example.com/a.png')).toBe('path');
    expect(looksLikeBase64('abcd')).toBe(false);
  });

  test('a missing file, a directory, bad base64 and a bad URL are input errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'upshot-input-'));
    const failures = await Promise.all(
      [
        'nope/missing.png',
        { path: dir },
        { base64: 'not base64 at all!' },
        { base64: '' },
        'data:image/png,rawbytes',
        { url: 'file:///etc/passwd' },
        { nothing: true } as never,
      ].map((input) =>
        prepareInput(input).then(
          () => null,
          (error: UpshotError) => ({ kind: error.kind, message: error.message }),
        ),
      ),
    );
    expect(failures).toEqual([
      { kind: 'input', message: 'File not found: nope/missing.png' },
      { kind: 'input', message: `Not a file: ${dir} is a directory` },
      { kind: 'input', message: 'Invalid base64 string' },
      { kind: 'input', message: 'Empty base64 string' },
      { kind: 'input', message: 'A data: URL must be base64 encoded (data:<mime>;base64,...)' },
      { kind: 'input', message: 'Not an http(s) URL: file:///etc/passwd' },
      { kind: 'input', message: 'Unsupported upload input' },
    ]);
  });

  test('nameless bytes get a name and type from their content', async () => {
    const png = makePng(2, 2);
    const prepared = await prepareInput(png);
    expect(prepared.kind).toBe('file');
    if (prepared.kind !== 'file') return;
    expect(prepared.filename).toBe('upload.png');
    expect(prepared.blob.type).toBe('image/png');
    expect(prepared.md5).toBe(nodeMd5(png));
    const named = await prepareInput(new File([png], 'shot.png'));
    expect(named.kind === 'file' && named.filename).toBe('shot.png');
  });

  test('labels never carry a whole base64 payload', () => {
    const long = 'A'.repeat(400);
    expect(describeInput(long)).toBe('base64 (400 characters)');
    expect(describeInput({ base64: long })).toBe('base64 (400 characters)');
    expect(describeInput(`data:image/png;base64,${long}`)).toBe('data URL (422 characters)');
    expect(describeInput(new Uint8Array(3))).toBe('bytes (3 B)');
    expect(describeInput({ bytes: new Uint8Array(3), filename: 'a.png' })).toBe('a.png');
    expect(describeInput({ path: 'a/b.png' })).toBe('a/b.png');
  });
});

describe('toWireParams', () => {
  test('typed options become the contract text parameters', () => {
    expect(
      toWireParams({
        title: 'T',
        description: 'D',
        tags: ['a', 'b'],
        album_id: 'AbC',
        category_id: 3,
        width: 640,
        expiration: 3600,
        nsfw: true,
        format: 'json',
      }),
    ).toEqual([
      ['title', 'T'],
      ['description', 'D'],
      ['tags', 'a,b'],
      ['album_id', 'AbC'],
      ['category_id', '3'],
      ['width', '640'],
      ['expiration', '3600'],
      ['nsfw', '1'],
      ['format', 'json'],
    ]);
    expect(toWireParams({ nsfw: false, tags: 'x, y', title: undefined })).toEqual([
      ['tags', 'x, y'],
      ['nsfw', '0'],
    ]);
  });

  test('invalid values are refused before anything is sent', () => {
    for (const options of [{ width: 0 }, { width: 1.5 }, { nsfw: 2 }, { format: 'xml' }]) {
      expect(() => toWireParams(options as never)).toThrow(UpshotError);
    }
  });
});

describe('retry timing', () => {
  test('Retry-After takes seconds or an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  test('backoff is full jitter under a doubling, capped ceiling', () => {
    expect([1, 2, 3, 4].map((retry) => backoffDelay(retry, 500, 20_000, () => 0.999))).toEqual([
      499, 999, 1998, 3996,
    ]);
    expect(backoffDelay(20, 500, 20_000, () => 0.5)).toBe(10_000);
    expect(backoffDelay(3, 500, 20_000, () => 0)).toBe(0);
  });
});

test('formatSize follows the contract', () => {
  expect([0, 999, 1000, 53_237, 3_011_299, 2_500_000_000].map(formatSize)).toEqual([
    '0 B',
    '999 B',
    '1 KB',
    '53.2 KB',
    '3 MB',
    '2.5 GB',
  ]);
});

test('a conformed reply formats sizes as the server does: 999,950 bytes is 1 MB', () => {
  const { image } = conformImage({ url: 'https://host.example/images/a.png', size: 999_950 }, 0);
  expect(image.size_formatted).toBe('1 MB');
});
