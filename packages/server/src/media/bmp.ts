// A small BMP decoder: sharp (libvips) cannot read BMP, so the pixels are decoded here
// and handed to sharp as raw RGB(A). Handles the headers seen in the wild (OS/2 core,
// BITMAPINFOHEADER, V2-V5), 1/2/4/8-bit palettes, RLE8/RLE4, 16/24/32-bit with or
// without bit fields, bottom-up and top-down rows. Embedded JPEG/PNG payloads are refused.
//
// Uploads are hostile: every read is bounds-checked, the declared size is checked against
// the pixel limit and (uncompressed) against the bytes present before anything is
// allocated, RLE runs stop at the row's end, and every failure is MediaError. The decode is
// synchronous; uploads run it in a worker under the media deadline (bmp-pool.ts).
import { MediaError } from './errors.ts';

export interface BmpHeader {
  width: number;
  height: number;
  topDown: boolean;
  bitsPerPixel: number;
  compression: number;
  pixelOffset: number;
  dibSize: number;
}

export interface DecodedBmp {
  width: number;
  height: number;
  channels: 3 | 4;
  /** width * height * channels bytes, owning its whole buffer (so it can be transferred). */
  data: Uint8Array<ArrayBuffer>;
}

export const BI_RGB = 0;
export const BI_RLE8 = 1;
export const BI_RLE4 = 2;
export const BI_BITFIELDS = 3;
export const BI_ALPHABITFIELDS = 6;

function invalid(message: string): MediaError {
  return new MediaError('invalid-image', `BMP: ${message}`);
}

/** Little-endian reads that refuse to go past the end of the file. */
class Reader {
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private check(offset: number, size: number): void {
    if (offset < 0 || offset + size > this.bytes.length) throw invalid('truncated header');
  }

  u16(offset: number): number {
    this.check(offset, 2);
    return this.view.getUint16(offset, true);
  }

  i16(offset: number): number {
    this.check(offset, 2);
    return this.view.getInt16(offset, true);
  }

  u32(offset: number): number {
    this.check(offset, 4);
    return this.view.getUint32(offset, true);
  }

  i32(offset: number): number {
    this.check(offset, 4);
    return this.view.getInt32(offset, true);
  }
}

export function readBmpHeader(bytes: Uint8Array): BmpHeader {
  if (bytes.length < 26 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) throw invalid('bad signature');
  const r = new Reader(bytes);
  const pixelOffset = r.u32(10);
  const dibSize = r.u32(14);
  let width: number;
  let height: number;
  let bitsPerPixel: number;
  let compression = BI_RGB;
  if (dibSize === 12) {
    width = r.u16(18);
    height = r.i16(20);
    bitsPerPixel = r.u16(24);
  } else if (dibSize >= 40) {
    width = r.i32(18);
    height = r.i32(22);
    bitsPerPixel = r.u16(28);
    compression = r.u32(30);
  } else {
    throw invalid(`unsupported header size ${dibSize}`);
  }
  const topDown = height < 0;
  height = Math.abs(height);
  if (width <= 0 || height <= 0) throw invalid('bad dimensions');
  if (![1, 2, 4, 8, 16, 24, 32].includes(bitsPerPixel)) throw invalid(`${bitsPerPixel} bits`);
  if (![BI_RGB, BI_RLE8, BI_RLE4, BI_BITFIELDS, BI_ALPHABITFIELDS].includes(compression)) {
    throw invalid(`unsupported compression ${compression}`);
  }
  return { width, height, topDown, bitsPerPixel, compression, pixelOffset, dibSize };
}

interface Field {
  shift: number;
  max: number;
  mask: number;
}

function field(mask: number): Field {
  const m = mask >>> 0;
  if (m === 0) return { shift: 0, max: 0, mask: 0 };
  let shift = 0;
  while (((m >>> shift) & 1) === 0) shift++;
  return { shift, max: m >>> shift, mask: m };
}

function scale(value: number, f: Field): number {
  if (f.max === 0) return 0;
  const v = (value & f.mask) >>> f.shift;
  return f.max === 255 ? v : Math.round((v * 255) / f.max);
}

/**
 * Decodes a BMP to RGB, or RGBA when its alpha carries something. Throws
 * MediaError('too-many-pixels') when it declares more than `maxPixels`, and
 * MediaError('invalid-image') for anything malformed, before allocating the output.
 */
export function decodeBmp(bytes: Uint8Array, maxPixels: number): DecodedBmp {
  try {
    return decode(bytes, maxPixels);
  } catch (error) {
    if (error instanceof MediaError) throw error;
    // Defence in depth: a read or allocation this file got past the checks.
    throw invalid(error instanceof Error ? error.message : String(error));
  }
}

function decode(bytes: Uint8Array, maxPixels: number): DecodedBmp {
  const h = readBmpHeader(bytes);
  const r = new Reader(bytes);
  const { width, height, bitsPerPixel: bpp, compression } = h;
  const pixels = width * height;
  if (pixels > maxPixels) {
    throw new MediaError('too-many-pixels', `BMP: ${width}x${height} exceeds ${maxPixels} pixels`);
  }
  const rle = compression === BI_RLE8 || compression === BI_RLE4;
  const bitfields = compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS;
  if (compression === BI_RLE8 && bpp !== 8) throw invalid('RLE8 needs 8 bits');
  if (compression === BI_RLE4 && bpp !== 4) throw invalid('RLE4 needs 4 bits');
  if (bitfields && bpp !== 16 && bpp !== 32) throw invalid(`bit fields with ${bpp} bits`);
  if (h.pixelOffset >= bytes.length) throw invalid('truncated');

  // Uncompressed: the file must hold every row it declares.
  const stride = Math.ceil((width * bpp) / 32) * 4;
  if (!rle && h.pixelOffset + stride * (height - 1) + Math.ceil((width * bpp) / 8) > bytes.length) {
    throw invalid('truncated pixel data');
  }

  // Palette
  const core = h.dibSize === 12;
  let palette: Uint8Array | undefined;
  if (bpp <= 8) {
    const declared = core ? 0 : r.u32(46);
    const entrySize = core ? 3 : 4;
    const count = declared === 0 || declared > 1 << bpp ? 1 << bpp : declared;
    const start = 14 + h.dibSize;
    if (start + (count - 1) * entrySize + 3 > bytes.length) throw invalid('truncated palette');
    palette = new Uint8Array(256 * 3);
    for (let i = 0; i < count; i++) {
      const o = start + i * entrySize;
      palette[i * 3] = bytes[o + 2]!;
      palette[i * 3 + 1] = bytes[o + 1]!;
      palette[i * 3 + 2] = bytes[o]!;
    }
  }

  // Channel masks for 16/32-bit: after a 40-byte header, or inside a V2+ header (52+).
  let red: Field;
  let green: Field;
  let blue: Field;
  let alpha: Field = field(0);
  if (bitfields) {
    red = field(r.u32(54));
    green = field(r.u32(58));
    blue = field(r.u32(62));
    if (compression === BI_ALPHABITFIELDS || h.dibSize >= 56) alpha = field(r.u32(66));
  } else if (bpp === 16) {
    red = field(0x7c00);
    green = field(0x03e0);
    blue = field(0x001f);
  } else {
    red = field(0x00ff0000);
    green = field(0x0000ff00);
    blue = field(0x000000ff);
    // V3+ headers may declare an alpha mask even for BI_RGB; 32-bit BI_RGB alone is BGRx.
    if (bpp === 32 && h.dibSize >= 56) alpha = field(r.u32(66));
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const wide = bpp === 16 || bpp === 32;
  const sample = (s: number): number =>
    bpp === 16 ? view.getUint16(s, true) : view.getUint32(s, true);
  const step = bpp / 8;

  // Alpha is kept only when it varies: writers that declare an alpha mask but leave it
  // zero mean "opaque" (as browsers read them). Looked at before decoding, so the output
  // is allocated once with the right number of channels.
  let channels: 3 | 4 = 3;
  if (wide && alpha.mask !== 0) {
    let opaque = true;
    let allZero = true;
    scan: for (let y = 0; y < height; y++) {
      const src = h.pixelOffset + y * stride;
      for (let x = 0, s = src; x < width; x++, s += step) {
        const a = ((sample(s) & alpha.mask) >>> alpha.shift) >>> 0;
        if (a !== alpha.max) opaque = false;
        if (a !== 0) allZero = false;
        if (!opaque && !allZero) break scan;
      }
    }
    if (!opaque && !allZero) channels = 4;
  }

  let out: Uint8Array<ArrayBuffer>;
  try {
    out = new Uint8Array(pixels * channels);
  } catch {
    throw new MediaError('too-many-pixels', `BMP: cannot hold ${width}x${height} pixels`);
  }

  if (rle) {
    decodeRle(bytes, h, palette!, out, compression === BI_RLE4);
    return { width, height, channels, data: out };
  }

  const rowBytes = width * channels;
  for (let y = 0; y < height; y++) {
    const src = h.pixelOffset + y * stride;
    let dst = (h.topDown ? y : height - 1 - y) * rowBytes;
    if (palette) {
      // Indices are packed from the high bits of each byte.
      const valueMask = (1 << bpp) - 1;
      for (let x = 0, s = src, shift = 8 - bpp; x < width; x++) {
        const index = ((bytes[s]! >> shift) & valueMask) * 3;
        out[dst++] = palette[index]!;
        out[dst++] = palette[index + 1]!;
        out[dst++] = palette[index + 2]!;
        shift -= bpp;
        if (shift < 0) {
          shift = 8 - bpp;
          s++;
        }
      }
    } else if (bpp === 24) {
      for (let x = 0, s = src; x < width; x++, s += 3) {
        out[dst++] = bytes[s + 2]!;
        out[dst++] = bytes[s + 1]!;
        out[dst++] = bytes[s]!;
      }
    } else {
      for (let x = 0, s = src; x < width; x++, s += step) {
        const v = sample(s);
        out[dst++] = scale(v, red);
        out[dst++] = scale(v, green);
        out[dst++] = scale(v, blue);
        if (channels === 4) out[dst++] = scale(v, alpha);
      }
    }
  }
  return { width, height, channels, data: out };
}

/**
 * RLE8/RLE4 into RGB: runs and literal runs of palette indices; skipped pixels stay
 * black. Pixels past the row's end are dropped (as browsers do), so the work is bounded
 * by the input read and the pixels written, whatever the runs claim.
 */
function decodeRle(
  bytes: Uint8Array,
  h: BmpHeader,
  palette: Uint8Array,
  out: Uint8Array,
  four: boolean,
): void {
  const { width, height } = h;
  let x = 0;
  let y = 0;
  let p = h.pixelOffset;
  const need = (n: number): void => {
    if (p + n > bytes.length) throw invalid('truncated RLE data');
  };
  const put = (o: number, index: number): void => {
    out[o] = palette[index * 3]!;
    out[o + 1] = palette[index * 3 + 1]!;
    out[o + 2] = palette[index * 3 + 2]!;
  };
  const rowStart = (): number => (h.topDown ? y : height - 1 - y) * width * 3;
  while (y < height) {
    need(2);
    const count = bytes[p]!;
    const value = bytes[p + 1]!;
    p += 2;
    if (count > 0) {
      const n = Math.min(count, width - x);
      const base = rowStart() + x * 3;
      for (let i = 0; i < n; i++) {
        put(base + i * 3, four ? (i & 1 ? value & 0x0f : value >> 4) : value);
      }
      x = Math.min(width, x + count);
    } else if (value === 0) {
      x = 0;
      y++;
    } else if (value === 1) {
      return;
    } else if (value === 2) {
      need(2);
      x = Math.min(width, x + bytes[p]!);
      y += bytes[p + 1]!;
      p += 2;
    } else {
      const length = four ? Math.ceil(value / 2) : value;
      need(length);
      const n = Math.min(value, width - x);
      const base = rowStart() + x * 3;
      for (let i = 0; i < n; i++) {
        const b = bytes[p + (four ? i >> 1 : i)]!;
        put(base + i * 3, four ? (i & 1 ? b & 0x0f : b >> 4) : b);
      }
      x = Math.min(width, x + value);
      p += length + (length & 1);
    }
  }
}
