// What the bytes are, from the bytes alone: never the file name or the client's
// Content-Type. file-type knows the magic numbers; the two cases it gets wrong for us are
// handled first: ISO-BMFF brands (AVIF written with a `mif1` major brand is still AVIF,
// HEIC is refused) and SVG, which is text that file-type does not recognise.
import { fileTypeFromBuffer } from 'file-type';
import { MediaError } from './errors.ts';

export interface SniffedType {
  /** 'file': never from the bytes; a build artifact the upload service allows (services/uploads/artifacts.ts). */
  kind: 'image' | 'video' | 'file';
  mime: string;
  /** 'jpeg' | 'png' | 'gif' | 'webp' | 'avif' | 'bmp' | 'mp4' | 'webm' | 'mov' */
  extension: string;
}

const ACCEPTED: Record<string, SniffedType> = {
  jpg: { kind: 'image', mime: 'image/jpeg', extension: 'jpeg' },
  png: { kind: 'image', mime: 'image/png', extension: 'png' },
  // An animated PNG is stored as it is; sharp reads its first frame for the variants.
  apng: { kind: 'image', mime: 'image/png', extension: 'png' },
  gif: { kind: 'image', mime: 'image/gif', extension: 'gif' },
  webp: { kind: 'image', mime: 'image/webp', extension: 'webp' },
  avif: { kind: 'image', mime: 'image/avif', extension: 'avif' },
  bmp: { kind: 'image', mime: 'image/bmp', extension: 'bmp' },
  mp4: { kind: 'video', mime: 'video/mp4', extension: 'mp4' },
  // M4V is MP4 with Apple's brand.
  m4v: { kind: 'video', mime: 'video/mp4', extension: 'mp4' },
  webm: { kind: 'video', mime: 'video/webm', extension: 'webm' },
  mov: { kind: 'video', mime: 'video/quicktime', extension: 'mov' },
};

const latin1 = new TextDecoder('latin1');

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return latin1.decode(bytes.subarray(start, Math.min(end, bytes.length)));
}

const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);
const GENERIC_HEIF_BRANDS = new Set(['mif1', 'msf1', 'miaf', 'mif2']);

/** ISO-BMFF `ftyp`: AVIF is accepted, every other still-image flavour (HEIC...) refused. */
function sniffFtyp(bytes: Uint8Array): SniffedType | 'unsupported' | undefined {
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== 'ftyp') return undefined;
  const size = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  const end = Math.min(bytes.length, Math.max(size, 16));
  const major = ascii(bytes, 8, 12);
  const compatible = new Set<string>();
  for (let o = 16; o + 4 <= end; o += 4) compatible.add(ascii(bytes, o, o + 4));
  const avif = AVIF_BRANDS.has(major) || [...AVIF_BRANDS].some((b) => compatible.has(b));
  const heif = HEIF_BRANDS.has(major) || [...HEIF_BRANDS].some((b) => compatible.has(b));
  if (AVIF_BRANDS.has(major)) return ACCEPTED.avif;
  if (GENERIC_HEIF_BRANDS.has(major) || HEIF_BRANDS.has(major)) {
    return avif && !heif ? ACCEPTED.avif : 'unsupported';
  }
  // Video brands (isom, mp42, qt, M4V, 3gp...) are left to file-type.
  return undefined;
}

/**
 * SVG (and SVGZ is gzip, which is simply unknown): skip a BOM, whitespace, the XML
 * declaration, comments, processing instructions and a doctype, then look for an <svg>
 * root element, with or without a namespace prefix.
 */
function looksLikeSvg(bytes: Uint8Array): boolean {
  let text = new TextDecoder('utf-8').decode(bytes.subarray(0, 4096));
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const prolog = /^(?:\s+|<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>[]*(?:\[[\s\S]*?\])?\s*>)*/i;
  const rest = text.slice(prolog.exec(text)?.[0].length ?? 0);
  return /^<(?:[A-Za-z_][\w.-]*:)?svg[\s>/]/i.test(rest);
}

/** Kinds we recognise but refuse: 613 rather than 610. */
function isKnownMedia(mime: string): boolean {
  return (
    mime.startsWith('image/') ||
    mime.startsWith('video/') ||
    mime === 'application/pdf' ||
    mime === 'application/postscript'
  );
}

export async function sniffType(bytes: Uint8Array): Promise<SniffedType> {
  if (bytes.length === 0) throw new MediaError('unknown-type', 'empty file');
  const ftyp = sniffFtyp(bytes);
  if (ftyp === 'unsupported')
    throw new MediaError('unsupported-type', 'HEIF/HEIC is not supported');
  if (ftyp) return { ...ftyp };
  if (looksLikeSvg(bytes)) throw new MediaError('unsupported-type', 'SVG is not supported');
  const found = await fileTypeFromBuffer(bytes);
  if (!found) throw new MediaError('unknown-type');
  const accepted = ACCEPTED[found.ext];
  if (accepted) return { ...accepted };
  if (isKnownMedia(found.mime)) {
    throw new MediaError('unsupported-type', `${found.mime} is not supported`);
  }
  throw new MediaError('unknown-type', `${found.mime} is not an image or a video`);
}
