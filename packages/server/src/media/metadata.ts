// What the file says about itself: the EXIF kept in the stored file (as JSON-safe values
// for `original_exifdata`) and a title and description from EXIF, XMP or IPTC.
import exifr from 'exifr';
import { Parser } from 'htmlparser2';
import { ascii, metadataRanges, type Range } from './containers.ts';
import { isTiffBlock } from './tiff.ts';

export type ExifData = Record<string, unknown>;

const DROPPED_TAGS = new Set(['MakerNote', 'latitude', 'longitude', 'PrintIM', 'thumbnail']);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf16 = new TextDecoder('utf-16le');

function decodeText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return new TextDecoder('latin1').decode(bytes);
  }
}

function clean(text: string): string {
  return text.replace(/\0+$/g, '').trim();
}

function isPrintable(bytes: Uint8Array): boolean {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  if (end === 0) return false;
  for (let i = 0; i < end; i++) {
    const b = bytes[i]!;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
    if (b === 0x7f) return false;
  }
  return true;
}

function userComment(bytes: Uint8Array): string {
  const charset = ascii(bytes, 0, 8);
  const body = bytes.subarray(8);
  if (charset.startsWith('UNICODE')) return clean(utf16.decode(body));
  return clean(decodeText(body));
}

/** Turns one exifr value into something JSON.stringify renders faithfully. */
function jsonSafe(key: string, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') return clean(value);
  if (typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) {
    const bytes = value instanceof Uint8Array ? value : new Uint8Array(value);
    if (key.startsWith('XP')) return clean(utf16.decode(bytes));
    if (key === 'UserComment') return userComment(bytes);
    if (isPrintable(bytes)) return clean(decodeText(bytes));
    return bytes.length <= 64 ? Array.from(bytes) : undefined;
  }
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    return Array.from(value as ArrayLike<unknown>, (v) => jsonSafe(key, v) ?? null);
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const safe = jsonSafe(k, v);
      if (safe !== undefined) out[k] = safe;
    }
    return out;
  }
  return undefined;
}

async function parseTiff(tiff: Uint8Array): Promise<Record<string, unknown> | undefined> {
  try {
    return await exifr.parse(tiff.slice(), {
      tiff: true,
      exif: true,
      gps: true,
      interop: true,
      ifd1: false,
      makerNote: false,
      userComment: true,
      xmp: false,
      icc: false,
      iptc: false,
      jfif: false,
      ihdr: false,
      translateKeys: true,
      translateValues: false,
      reviveValues: false,
      sanitize: true,
      mergeOutput: true,
    });
  } catch {
    return undefined;
  }
}

function exifBlock(bytes: Uint8Array, extension: string): Uint8Array | undefined {
  const range = metadataRanges(bytes, extension).exif;
  if (!range) return undefined;
  const block = bytes.subarray(range.start, range.end);
  return isTiffBlock(block) ? block : undefined;
}

/** The EXIF tags of a file (IFD0, Exif, GPS, Interop), JSON-safe; null when there are none. */
export async function readExif(bytes: Uint8Array, extension: string): Promise<ExifData | null> {
  const block = exifBlock(bytes, extension);
  if (!block) return null;
  const parsed = await parseTiff(block);
  if (!parsed) return null;
  const out: ExifData = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (DROPPED_TAGS.has(key)) continue;
    const safe = jsonSafe(key, value);
    if (safe !== undefined) out[key] = safe;
  }
  return Object.keys(out).length > 0 ? out : null;
}

// --- XMP -----------------------------------------------------------------------------
//
// One forward pass of htmlparser2 (xmlMode: XML entities and CDATA decoded, forgiving of
// malformed markup) over each packet; every property wanted is picked up on the way. Its
// parser keeps a stack of open elements that it shifts and scans on every tag, so the
// nesting is capped: real XMP nests a handful of levels, a hostile packet stops there.

const MAX_XMP_DEPTH = 64;
/** XMP considered per file, all packets together: the rest is not read. */
export const MAX_XMP_BYTES = 1024 * 1024;

class StopParsing extends Error {}

interface Capture {
  name: string;
  depth: number;
  text: string[];
  items: Array<{ lang: string | undefined; text: string[] }>;
  /** Depth of the rdf:li being read, when inside one. */
  itemDepth: number | undefined;
}

/**
 * Simple XMP properties (`dc:title`...) of one packet, each as an element (rdf:Alt/Seq/Bag
 * items with x-default preferred, or plain text) or else as an attribute; the first
 * occurrence counts. Best effort: malformed XML gives what was read before it broke.
 */
export function xmpProperties(
  xmp: string,
  names: readonly string[],
): Record<string, string | undefined> {
  const wanted = new Set(names);
  const elements = new Map<string, string>();
  const attributes = new Map<string, string>();
  let depth = 0;
  let capture: Capture | undefined;

  const parser = new Parser(
    {
      onopentagname() {
        depth += 1;
        if (depth > MAX_XMP_DEPTH) throw new StopParsing();
      },
      onopentag(name, attribs) {
        for (const key of Object.keys(attribs)) {
          if (wanted.has(key) && !attributes.has(key)) attributes.set(key, attribs[key]!);
        }
        if (capture) {
          if (name === 'rdf:li' && capture.itemDepth === undefined) {
            capture.items.push({ lang: attribs['xml:lang'], text: [] });
            capture.itemDepth = depth;
          }
        } else if (wanted.has(name) && !elements.has(name)) {
          capture = { name, depth, text: [], items: [], itemDepth: undefined };
        }
      },
      ontext(text) {
        if (!capture) return;
        capture.text.push(text);
        if (capture.itemDepth !== undefined) capture.items.at(-1)!.text.push(text);
      },
      onclosetag() {
        if (capture?.itemDepth === depth) capture.itemDepth = undefined;
        if (capture?.depth === depth) {
          const { items } = capture;
          const chosen = items.find((item) => item.lang === 'x-default') ?? items[0];
          elements.set(capture.name, (chosen ?? capture).text.join(''));
          capture = undefined;
          if (elements.size === wanted.size) throw new StopParsing();
        }
        depth -= 1;
      },
    },
    { xmlMode: true },
  );
  try {
    parser.end(xmp);
  } catch {
    // StopParsing, or anything the parser itself trips on: keep what was read so far.
  }
  const out: Record<string, string | undefined> = {};
  for (const name of names) out[name] = elements.get(name) ?? attributes.get(name);
  return out;
}

/** One XMP property of a packet (see xmpProperties). */
export function xmpProperty(xmp: string, name: string): string | undefined {
  return xmpProperties(xmp, [name])[name];
}

/** The XMP packets of a file as text, at most MAX_XMP_BYTES of them in all. */
function xmpPackets(bytes: Uint8Array, ranges: readonly Range[]): string[] {
  const decoder = new TextDecoder('utf-8');
  const packets: string[] = [];
  let budget = MAX_XMP_BYTES;
  for (const range of ranges) {
    if (budget <= 0) break;
    const end = Math.min(range.end, range.start + budget);
    budget -= end - range.start;
    packets.push(decoder.decode(bytes.subarray(range.start, end)));
  }
  return packets;
}

// --- IPTC-IIM (JPEG APP13) -------------------------------------------------------------

interface Iptc {
  objectName?: string;
  headline?: string;
  caption?: string;
}

function iimBlock(bytes: Uint8Array, range: Range): Uint8Array | undefined {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = range.start;
  while (p + 12 <= range.end) {
    if (ascii(bytes, p, p + 4) !== '8BIM') return undefined;
    const id = v.getUint16(p + 4);
    const nameLength = bytes[p + 6]!;
    p += 6 + ((1 + nameLength + 1) & ~1);
    if (p + 4 > range.end) return undefined;
    const size = v.getUint32(p);
    p += 4;
    if (p + size > range.end) return undefined;
    if (id === 0x0404) return bytes.subarray(p, p + size);
    p += size + (size & 1);
  }
  return undefined;
}

export function readIptc(block: Uint8Array): Iptc {
  const out: Iptc = {};
  const v = new DataView(block.buffer, block.byteOffset, block.byteLength);
  let utf8Declared = false;
  const fields = new Map<number, Uint8Array>();
  let p = 0;
  while (p + 5 <= block.length && block[p] === 0x1c) {
    const record = block[p + 1]!;
    const dataset = block[p + 2]!;
    const length = v.getUint16(p + 3);
    if (length & 0x8000) break; // extended length: not used by text fields
    const value = block.subarray(p + 5, p + 5 + length);
    if (record === 1 && dataset === 90) utf8Declared = ascii(value, 0, 3) === '\x1b%G';
    if (record === 2 && !fields.has(dataset)) fields.set(dataset, value);
    p += 5 + length;
  }
  const text = (dataset: number): string | undefined => {
    const value = fields.get(dataset);
    if (!value) return undefined;
    return utf8Declared ? new TextDecoder('utf-8').decode(value) : decodeText(value);
  };
  out.objectName = text(5);
  out.headline = text(105);
  out.caption = text(120);
  return out;
}

// --- title and description ---------------------------------------------------------------

// Default ImageDescription values written by cameras and software: not a description.
const PLACEHOLDERS = new Set(
  [
    'olympus digital camera',
    'sony dsc',
    'digital camera',
    'minolta digital camera',
    'konica minolta digital camera',
    'exif_jpeg_picture',
    'default',
    'samsung',
    'dcim',
    'image',
    'picture',
  ].map((s) => s.toLowerCase()),
);

function usable(text: string | undefined): string | null {
  if (text === undefined) return null;
  const trimmed = clean(text);
  if (!trimmed || PLACEHOLDERS.has(trimmed.toLowerCase())) return null;
  return trimmed;
}

function first(...candidates: Array<string | undefined>): string | null {
  for (const c of candidates) {
    const u = usable(c);
    if (u) return u;
  }
  return null;
}

const XMP_NAMES = ['dc:title', 'dc:description', 'photoshop:Headline'] as const;

export interface TextMetadata {
  title: string | null;
  description: string | null;
}

/**
 * Title: XMP dc:title, IPTC ObjectName, EXIF XPTitle, then IPTC/XMP Headline.
 * Description: EXIF ImageDescription, XMP dc:description, IPTC Caption-Abstract, EXIF XPComment.
 */
export async function readTextMetadata(
  bytes: Uint8Array,
  extension: string,
): Promise<TextMetadata> {
  const ranges = metadataRanges(bytes, extension);
  const xmp = xmpPackets(bytes, ranges.xmp).map((packet) => xmpProperties(packet, XMP_NAMES));
  const fromXmp = (name: (typeof XMP_NAMES)[number]): string | undefined => {
    for (const properties of xmp) {
      const value = usable(properties[name]);
      if (value) return value;
    }
    return undefined;
  };
  const block = ranges.photoshop ? iimBlock(bytes, ranges.photoshop) : undefined;
  const iptc = block ? readIptc(block) : {};
  const tiff = ranges.exif ? bytes.subarray(ranges.exif.start, ranges.exif.end) : undefined;
  const exif = tiff && isTiffBlock(tiff) ? ((await parseTiff(tiff)) ?? {}) : {};
  const exifText = (key: string): string | undefined => {
    const value = jsonSafe(key, exif[key]);
    return typeof value === 'string' ? value : undefined;
  };
  return {
    title: first(
      fromXmp('dc:title'),
      iptc.objectName,
      exifText('XPTitle'),
      iptc.headline,
      fromXmp('photoshop:Headline'),
    ),
    description: first(
      exifText('ImageDescription'),
      fromXmp('dc:description'),
      iptc.caption,
      exifText('XPComment'),
    ),
  };
}
