// A small BMP decoder: sharp (libvips) cannot read BMP, so the pixels are decoded here
// and handed to sharp as raw RGB(A). Handles the headers seen in the wild (OS/2 core,
// BITMAPINFOHEADER, V2-V5), 1/2/4/8-bit palettes, RLE8/RLE4, 16/24/32-bit with or
// without bit fields, bottom-up and top-down rows. Embedded JPEG/PNG payloads are refused.
//
// The decode is synchronous JavaScript. It is bounded by the caller: the header is read
// first (readBmpHeader) and the pixel limit checked before decodeBmp runs, and uploads
// are capped by size; a 100 MB BMP decodes in well under a second.
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
  data: Uint8Array;
}

const BI_RGB = 0;
const BI_RLE8 = 1;
const BI_RLE4 = 2;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

function invalid(message: string): MediaError {
  return new MediaError('invalid-image', `BMP: ${message}`);
}

export function readBmpHeader(bytes: Uint8Array): BmpHeader {
  if (bytes.length < 26 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) throw invalid('bad signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pixelOffset = view.getUint32(10, true);
  const dibSize = view.getUint32(14, true);
  let width: number;
  let height: number;
  let bitsPerPixel: number;
  let compression = BI_RGB;
  if (dibSize === 12) {
    width = view.getUint16(18, true);
    height = view.getInt16(20, true);
    bitsPerPixel = view.getUint16(24, true);
  } else if (dibSize >= 40 && bytes.length >= 14 + 40) {
    width = view.getInt32(18, true);
    height = view.getInt32(22, true);
    bitsPerPixel = view.getUint16(28, true);
    compression = view.getUint32(30, true);
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
  const max = m >>> shift;
  return { shift, max, mask: m };
}

function scale(value: number, f: Field): number {
  if (f.max === 0) return 0;
  const v = (value & f.mask) >>> f.shift;
  return f.max === 255 ? v : Math.round((v * 255) / f.max);
}

export function decodeBmp(bytes: Uint8Array): DecodedBmp {
  const h = readBmpHeader(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { width, height, bitsPerPixel: bpp, compression } = h;
  const pixels = width * height;
  if (h.pixelOffset >= bytes.length) throw invalid('truncated');

  // Palette
  const core = h.dibSize === 12;
  let masksAfterHeader = 0;
  if (h.dibSize === 40 && compression === BI_BITFIELDS) masksAfterHeader = 12;
  if (h.dibSize === 40 && compression === BI_ALPHABITFIELDS) masksAfterHeader = 16;
  const paletteStart = 14 + h.dibSize + masksAfterHeader;
  let palette: Uint8Array | undefined;
  if (bpp <= 8) {
    const declared = core ? 0 : view.getUint32(46, true);
    const entrySize = core ? 3 : 4;
    const count = Math.min(declared || 1 << bpp, 1 << bpp);
    palette = new Uint8Array(256 * 3);
    for (let i = 0; i < count; i++) {
      const o = paletteStart + i * entrySize;
      if (o + 3 > bytes.length) throw invalid('truncated palette');
      palette[i * 3] = bytes[o + 2]!;
      palette[i * 3 + 1] = bytes[o + 1]!;
      palette[i * 3 + 2] = bytes[o]!;
    }
  }

  // Channel masks for 16/32-bit
  let red: Field;
  let green: Field;
  let blue: Field;
  let alpha: Field = field(0);
  if (compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS) {
    if (bytes.length < 66) throw invalid('truncated masks');
    red = field(view.getUint32(54, true));
    green = field(view.getUint32(58, true));
    blue = field(view.getUint32(62, true));
    if (compression === BI_ALPHABITFIELDS || h.dibSize >= 56) {
      alpha = field(view.getUint32(66, true));
    }
  } else if (bpp === 16) {
    red = field(0x7c00);
    green = field(0x03e0);
    blue = field(0x001f);
  } else {
    red = field(0x00ff0000);
    green = field(0x0000ff00);
    blue = field(0x000000ff);
    // V3+ headers may declare an alpha mask even for BI_RGB; 32-bit BI_RGB alone is BGRx.
    if (bpp === 32 && h.dibSize >= 56) alpha = field(view.getUint32(66, true));
  }

  const hasAlpha = alpha.mask !== 0 && (bpp === 16 || bpp === 32);
  const out = new Uint8Array(pixels * 4);
  const rowIndex = (y: number): number => (h.topDown ? y : height - 1 - y);

  if (compression === BI_RLE8 || compression === BI_RLE4) {
    if (!palette || (compression === BI_RLE8 ? bpp !== 8 : bpp !== 4)) {
      throw invalid('bad RLE depth');
    }
    decodeRle(bytes, h, palette, out, compression === BI_RLE4);
  } else {
    const stride = Math.ceil((width * bpp) / 32) * 4;
    if (h.pixelOffset + stride * (height - 1) + Math.ceil((width * bpp) / 8) > bytes.length) {
      throw invalid('truncated pixel data');
    }
    for (let y = 0; y < height; y++) {
      const src = h.pixelOffset + y * stride;
      let dst = rowIndex(y) * width * 4;
      if (palette) {
        const perByte = 8 / bpp;
        const valueMask = (1 << bpp) - 1;
        for (let x = 0; x < width; x++) {
          const byte = bytes[src + Math.floor(x / perByte)]!;
          const shift = 8 - bpp * ((x % perByte) + 1);
          const index = (byte >> shift) & valueMask;
          out[dst++] = palette[index * 3]!;
          out[dst++] = palette[index * 3 + 1]!;
          out[dst++] = palette[index * 3 + 2]!;
          out[dst++] = 255;
        }
      } else if (bpp === 24) {
        for (let x = 0, s = src; x < width; x++, s += 3) {
          out[dst++] = bytes[s + 2]!;
          out[dst++] = bytes[s + 1]!;
          out[dst++] = bytes[s]!;
          out[dst++] = 255;
        }
      } else {
        const step = bpp / 8;
        for (let x = 0, s = src; x < width; x++, s += step) {
          const v = bpp === 16 ? view.getUint16(s, true) : view.getUint32(s, true);
          out[dst++] = scale(v, red);
          out[dst++] = scale(v, green);
          out[dst++] = scale(v, blue);
          out[dst++] = hasAlpha ? scale(v, alpha) : 255;
        }
      }
    }
  }

  // Drop the alpha channel when it carries nothing; writers that declare an alpha mask
  // but leave it zero mean "opaque" (as browsers read them).
  let opaque = true;
  let allZero = true;
  if (hasAlpha) {
    for (let i = 3; i < out.length; i += 4) {
      const a = out[i]!;
      if (a !== 255) opaque = false;
      if (a !== 0) allZero = false;
      if (!opaque && !allZero) break;
    }
  }
  if (!hasAlpha || opaque || allZero) {
    const rgb = new Uint8Array(pixels * 3);
    for (let i = 0, j = 0; i < out.length; i += 4, j += 3) {
      rgb[j] = out[i]!;
      rgb[j + 1] = out[i + 1]!;
      rgb[j + 2] = out[i + 2]!;
    }
    return { width, height, channels: 3, data: rgb };
  }
  return { width, height, channels: 4, data: out };
}

/** RLE8/RLE4: runs and literal runs of palette indices; skipped pixels stay black. */
function decodeRle(
  bytes: Uint8Array,
  h: BmpHeader,
  palette: Uint8Array,
  out: Uint8Array,
  four: boolean,
): void {
  const { width, height } = h;
  for (let i = 3; i < out.length; i += 4) out[i] = 255;
  let x = 0;
  let y = 0;
  let p = h.pixelOffset;
  const put = (index: number): void => {
    if (x < width && y < height) {
      const row = h.topDown ? y : height - 1 - y;
      const o = (row * width + x) * 4;
      out[o] = palette[index * 3]!;
      out[o + 1] = palette[index * 3 + 1]!;
      out[o + 2] = palette[index * 3 + 2]!;
    }
    x++;
  };
  const need = (n: number): void => {
    if (p + n > bytes.length) throw invalid('truncated RLE data');
  };
  while (y < height) {
    need(2);
    const count = bytes[p]!;
    const value = bytes[p + 1]!;
    p += 2;
    if (count > 0) {
      for (let i = 0; i < count; i++) put(four ? (i & 1 ? value & 0x0f : value >> 4) : value);
    } else if (value === 0) {
      x = 0;
      y++;
    } else if (value === 1) {
      return;
    } else if (value === 2) {
      need(2);
      x += bytes[p]!;
      y += bytes[p + 1]!;
      p += 2;
    } else {
      const n = value;
      const len = four ? Math.ceil(n / 2) : n;
      need(len);
      for (let i = 0; i < n; i++) {
        const b = bytes[p + (four ? i >> 1 : i)]!;
        put(four ? (i & 1 ? b & 0x0f : b >> 4) : b);
      }
      p += len + (len & 1);
    }
  }
}
