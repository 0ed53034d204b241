// Hostile XMP packets in real GIF, PNG and JPEG files: a megabyte of unclosed or deeply
// nested elements, the shapes that made the old regex lookup rescan to the end of the
// packet for every tag.
import * as f from '../fixtures/images.ts';

const encoder = new TextEncoder();

/** A body of about `size` bytes made of `unit` repeated. */
export function repeated(unit: string, size: number): string {
  return unit.repeat(Math.ceil(size / unit.length));
}

/** The patterns measured: each is one tag repeated (the packet wrapper is added around it). */
export const HOSTILE_UNITS = {
  unclosedTitle: '<dc:title>',
  unclosedAll: '<dc:title><dc:description><photoshop:Headline>',
  unclosedItems: '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">',
  strayCloses: '</rdf:li></dc:title>',
  openAttribute: '<rdf:Description dc:title="',
  deepNesting: '<a><b><c>',
} as const;

export function wrap(body: string): string {
  return `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">${body}</rdf:RDF></x:xmpmeta>`;
}

/** A GIF with `xmp` in an "XMP DataXMP" application extension, before the trailer. */
export async function gifWithXmp(xmp: string): Promise<Uint8Array> {
  const gif = await f.animated('gif', 16, 12, 1);
  // The "magic trailer" lets GIF readers skip the XMP as data sub-blocks.
  const trailer = new Uint8Array(258);
  for (let i = 0; i < 256; i++) trailer[i + 1] = 255 - i;
  trailer[0] = 1;
  const extension = f.concat(
    new Uint8Array([0x21, 0xff, 0x0b]),
    encoder.encode('XMP DataXMP'),
    encoder.encode(xmp),
    trailer,
  );
  return f.concat(gif.subarray(0, gif.length - 1), extension, gif.subarray(gif.length - 1));
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set(encoder.encode(type), 4);
  chunk.set(data, 8);
  view.setUint32(8 + data.length, Bun.hash.crc32(chunk.subarray(4, 8 + data.length)) >>> 0);
  return chunk;
}

/** An uncompressed iTXt chunk holding `xmp`. */
export function xmpItxt(xmp: string): Uint8Array {
  const data = f.concat(
    encoder.encode('XML:com.adobe.xmp'),
    new Uint8Array([0, 0, 0, 0, 0]), // keyword end, not compressed, method, no language, no translation
    encoder.encode(xmp),
  );
  return pngChunk('iTXt', data);
}

/** Offset of the first chunk after IHDR in any PNG. */
export const PNG_AFTER_IHDR = 8 + 12 + 13;

/** A PNG with `xmp` in an uncompressed iTXt chunk right after IHDR. */
export async function pngWithXmp(xmp: string): Promise<Uint8Array> {
  const png = await f.solidPng(16, 12);
  return f.concat(png.subarray(0, PNG_AFTER_IHDR), xmpItxt(xmp), png.subarray(PNG_AFTER_IHDR));
}

/** A JPEG with `xmp` cut into as many APP1 XMP segments as it takes (64 KB each). */
export async function jpegWithXmp(xmp: string): Promise<Uint8Array> {
  const jpeg = await f.photoJpeg(16, 12);
  const prefix = encoder.encode('http://ns.adobe.com/xap/1.0/\0');
  const bytes = encoder.encode(xmp);
  const room = 0xffff - 2 - prefix.length;
  const segments: Uint8Array[] = [];
  for (let o = 0; o < bytes.length; o += room) {
    const piece = bytes.subarray(o, o + room);
    const length = 2 + prefix.length + piece.length;
    segments.push(
      f.concat(new Uint8Array([0xff, 0xe1, length >> 8, length & 0xff]), prefix, piece),
    );
  }
  return f.insertJpegSegments(jpeg, ...segments);
}
