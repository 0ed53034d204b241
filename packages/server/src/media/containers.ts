// Where the metadata lives inside each accepted image container. Every function returns
// byte ranges into the file, so callers can read them or edit a copy in place without
// moving anything else. Every walk moves forward through its container and reads only
// inside it, so its cost is linear in the file whatever the file declares.

export interface Range {
  start: number;
  end: number;
}

/** An XMP packet; `crcChunk` is the PNG chunk to re-checksum after an in-place edit. */
export interface XmpRange extends Range {
  crcChunk?: Range;
}

export interface MetadataRanges {
  /** The EXIF TIFF block (starting at "II*\0" / "MM\0*"). */
  exif?: Range;
  /** PNG only: the eXIf chunk (type..data) to re-checksum after an edit. */
  exifCrcChunk?: Range;
  xmp: XmpRange[];
  /** JPEG only: the Photoshop APP13 payload holding IPTC-IIM. */
  photoshop?: Range;
}

const latin1 = new TextDecoder('latin1');

export function ascii(bytes: Uint8Array, start: number, end: number): string {
  return latin1.decode(bytes.subarray(Math.max(0, start), Math.min(end, bytes.length)));
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The first zero byte in [start, end), or -1: never looks past `end`. */
function zeroIn(bytes: Uint8Array, start: number, end: number): number {
  if (start >= end) return -1;
  const at = bytes.subarray(start, end).indexOf(0);
  return at < 0 ? -1 : start + at;
}

const EXIF_PREFIX = 'Exif\0\0';
const XMP_PREFIX = 'http://ns.adobe.com/xap/1.0/\0';
const PHOTOSHOP_PREFIX = 'Photoshop 3.0\0';

/** Skips an optional "Exif\0\0" prefix (written by some PNG and WebP encoders). */
function exifRange(bytes: Uint8Array, start: number, end: number): Range {
  return ascii(bytes, start, start + 6) === EXIF_PREFIX
    ? { start: start + 6, end }
    : { start, end };
}

export function jpegRanges(bytes: Uint8Array): MetadataRanges {
  const out: MetadataRanges = { xmp: [] };
  const v = view(bytes);
  let o = 2;
  while (o + 4 <= bytes.length) {
    if (bytes[o] !== 0xff) break;
    const marker = bytes[o + 1]!;
    if (marker === 0xff) {
      o += 1;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      o += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break;
    const length = v.getUint16(o + 2);
    const dataStart = o + 4;
    const dataEnd = o + 2 + length;
    if (length < 2 || dataEnd > bytes.length) break;
    if (marker === 0xe1) {
      if (!out.exif && ascii(bytes, dataStart, dataStart + 6) === EXIF_PREFIX) {
        out.exif = { start: dataStart + 6, end: dataEnd };
      } else if (ascii(bytes, dataStart, dataStart + XMP_PREFIX.length) === XMP_PREFIX) {
        out.xmp.push({ start: dataStart + XMP_PREFIX.length, end: dataEnd });
      }
    } else if (marker === 0xed && !out.photoshop) {
      if (ascii(bytes, dataStart, dataStart + PHOTOSHOP_PREFIX.length) === PHOTOSHOP_PREFIX) {
        out.photoshop = { start: dataStart + PHOTOSHOP_PREFIX.length, end: dataEnd };
      }
    }
    o = dataEnd;
  }
  return out;
}

export interface PngChunk {
  type: string;
  /** Offset of the length field. */
  offset: number;
  dataStart: number;
  dataEnd: number;
}

export function pngChunks(bytes: Uint8Array): PngChunk[] {
  const v = view(bytes);
  const chunks: PngChunk[] = [];
  let o = 8;
  while (o + 12 <= bytes.length) {
    const length = v.getUint32(o);
    const type = ascii(bytes, o + 4, o + 8);
    const dataStart = o + 8;
    const dataEnd = dataStart + length;
    if (dataEnd + 4 > bytes.length) break;
    chunks.push({ type, offset: o, dataStart, dataEnd });
    if (type === 'IEND') break;
    o = dataEnd + 4;
  }
  return chunks;
}

export function pngRanges(bytes: Uint8Array): MetadataRanges {
  const out: MetadataRanges = { xmp: [] };
  for (const c of pngChunks(bytes)) {
    if (c.type === 'eXIf' && !out.exif) {
      out.exif = exifRange(bytes, c.dataStart, c.dataEnd);
      out.exifCrcChunk = { start: c.offset + 4, end: c.dataEnd };
    } else if (c.type === 'iTXt' || c.type === 'tEXt') {
      const keyEnd = zeroIn(bytes, c.dataStart, c.dataEnd);
      if (keyEnd < 0) continue;
      if (ascii(bytes, c.dataStart, keyEnd) !== 'XML:com.adobe.xmp') continue;
      let textStart = keyEnd + 1;
      if (c.type === 'iTXt') {
        if (bytes[textStart] !== 0) continue; // compressed XMP: not read
        const lang = zeroIn(bytes, textStart + 2, c.dataEnd);
        const translated = lang < 0 ? -1 : zeroIn(bytes, lang + 1, c.dataEnd);
        if (translated < 0) continue;
        textStart = translated + 1;
      }
      out.xmp.push({
        start: textStart,
        end: c.dataEnd,
        crcChunk: { start: c.offset + 4, end: c.dataEnd },
      });
    }
  }
  return out;
}

export function webpRanges(bytes: Uint8Array): MetadataRanges {
  const out: MetadataRanges = { xmp: [] };
  const v = view(bytes);
  let o = 12;
  while (o + 8 <= bytes.length) {
    const fourcc = ascii(bytes, o, o + 4);
    const size = v.getUint32(o + 4, true);
    const dataStart = o + 8;
    const dataEnd = dataStart + size;
    if (dataEnd > bytes.length) break;
    if (fourcc === 'EXIF' && !out.exif) out.exif = exifRange(bytes, dataStart, dataEnd);
    else if (fourcc === 'XMP ') out.xmp.push({ start: dataStart, end: dataEnd });
    o = dataEnd + (size & 1);
  }
  return out;
}

interface Box {
  type: string;
  start: number;
  /** First byte after the header (and after version/flags for full boxes read by the caller). */
  body: number;
  end: number;
}

function boxes(bytes: Uint8Array, start: number, end: number): Box[] {
  const v = view(bytes);
  const out: Box[] = [];
  let o = start;
  while (o + 8 <= end) {
    let size = v.getUint32(o);
    const type = ascii(bytes, o + 4, o + 8);
    let body = o + 8;
    if (size === 1) {
      if (o + 16 > end) break;
      size = Number(v.getBigUint64(o + 8));
      body = o + 16;
    } else if (size === 0) {
      size = end - o;
    }
    if (size < body - o || o + size > end) break;
    out.push({ type, start: o, body, end: o + size });
    o += size;
  }
  return out;
}

function readUint(v: DataView, o: number, size: number): number {
  if (size === 0) return 0;
  if (size === 2) return v.getUint16(o);
  if (size === 4) return v.getUint32(o);
  if (size === 8) return Number(v.getBigUint64(o));
  throw new Error('bad size');
}

/** AVIF (ISO-BMFF): the Exif and XMP items, found through `iinf` and `iloc`. */
export function avifRanges(bytes: Uint8Array): MetadataRanges {
  const out: MetadataRanges = { xmp: [] };
  try {
    const v = view(bytes);
    const meta = boxes(bytes, 0, bytes.length).find((b) => b.type === 'meta');
    if (!meta) return out;
    const children = boxes(bytes, meta.body + 4, meta.end);
    const iinf = children.find((b) => b.type === 'iinf');
    const iloc = children.find((b) => b.type === 'iloc');
    if (!iinf || !iloc) return out;

    const kinds = new Map<number, 'exif' | 'xmp'>();
    const iinfVersion = bytes[iinf.body]!;
    const entriesStart = iinf.body + 4 + (iinfVersion === 0 ? 2 : 4);
    for (const infe of boxes(bytes, entriesStart, iinf.end)) {
      if (infe.type !== 'infe') continue;
      const version = bytes[infe.body]!;
      if (version < 2) continue;
      let p = infe.body + 4;
      const id = version === 2 ? v.getUint16(p) : v.getUint32(p);
      p += version === 2 ? 2 : 4;
      p += 2; // protection index
      const itemType = ascii(bytes, p, p + 4);
      p += 4;
      if (itemType === 'Exif') kinds.set(id, 'exif');
      else if (itemType === 'mime') {
        const nameEnd = zeroIn(bytes, p, infe.end);
        if (nameEnd < 0) continue;
        const typeEnd = zeroIn(bytes, nameEnd + 1, infe.end);
        const contentType = ascii(bytes, nameEnd + 1, typeEnd < 0 ? infe.end : typeEnd);
        if (contentType === 'application/rdf+xml') kinds.set(id, 'xmp');
      }
    }
    if (kinds.size === 0) return out;

    const version = bytes[iloc.body]!;
    let p = iloc.body + 4;
    const offsetSize = bytes[p]! >> 4;
    const lengthSize = bytes[p]! & 0x0f;
    const baseOffsetSize = bytes[p + 1]! >> 4;
    const indexSize = version === 1 || version === 2 ? bytes[p + 1]! & 0x0f : 0;
    p += 2;
    const count = version < 2 ? v.getUint16(p) : v.getUint32(p);
    p += version < 2 ? 2 : 4;
    for (let i = 0; i < count; i++) {
      const id = version < 2 ? v.getUint16(p) : v.getUint32(p);
      p += version < 2 ? 2 : 4;
      let method = 0;
      if (version === 1 || version === 2) {
        method = v.getUint16(p) & 0x0f;
        p += 2;
      }
      p += 2; // data reference index
      const base = readUint(v, p, baseOffsetSize);
      p += baseOffsetSize;
      const extents = v.getUint16(p);
      p += 2;
      // Only the first extent is read; the others are stepped over at once (zero-sized
      // fields would otherwise make 65535 extents per item cost time but no bytes).
      let first: Range | undefined;
      if (extents > 0) {
        const offset = readUint(v, p + indexSize, offsetSize);
        const length = readUint(v, p + indexSize + offsetSize, lengthSize);
        first = { start: base + offset, end: base + offset + length };
      }
      p += extents * (indexSize + offsetSize + lengthSize);
      if (p > iloc.end) break;
      const kind = kinds.get(id);
      if (!kind || method !== 0 || extents !== 1 || !first || first.end > bytes.length) continue;
      if (kind === 'exif' && !out.exif) {
        const tiffOffset = v.getUint32(first.start);
        out.exif = exifRange(bytes, first.start + 4 + tiffOffset, first.end);
      } else if (kind === 'xmp') {
        out.xmp.push(first);
      }
    }
  } catch {
    // A malformed box structure: no metadata found (sharp judges the image itself).
  }
  return out;
}

/** GIF and anything else: an XMP packet found by its wrapper element. */
export function scanXmp(bytes: Uint8Array): MetadataRanges {
  const out: MetadataRanges = { xmp: [] };
  const text = ascii(bytes, 0, bytes.length);
  const start = text.indexOf('<x:xmpmeta');
  if (start >= 0) {
    const close = text.indexOf('</x:xmpmeta>', start);
    if (close > 0) out.xmp.push({ start, end: close + '</x:xmpmeta>'.length });
  }
  return out;
}

export function metadataRanges(bytes: Uint8Array, extension: string): MetadataRanges {
  switch (extension) {
    case 'jpeg':
      return jpegRanges(bytes);
    case 'png':
      return pngRanges(bytes);
    case 'webp':
      return webpRanges(bytes);
    case 'avif':
      return avifRanges(bytes);
    case 'gif':
      return scanXmp(bytes);
    default:
      return { xmp: [] };
  }
}
