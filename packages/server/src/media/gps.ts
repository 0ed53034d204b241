// GPS removal without touching pixels: the GPS IFD leaves the EXIF block and GPS
// properties leave the XMP packets, each edit in place (same length), so every container
// offset stays valid; PNG chunks edited get a fresh CRC. When nothing holds GPS, the very
// same bytes object comes back (the caller compares identity to decide `source_md5`).
//
// Covered: JPEG (APP1 Exif, APP1 XMP), PNG (eXIf, uncompressed iTXt/tEXt XMP), WebP (EXIF,
// XMP chunks), AVIF (Exif and XMP items). Not covered: compressed PNG XMP, GIF XMP (GIF has
// no EXIF), maker notes.
import { type MetadataRanges, metadataRanges, type Range } from './containers.ts';
import type { SniffedType } from './sniff.ts';
import { hasGps, removeGpsInPlace } from './tiff.ts';

const latin1 = new TextDecoder('latin1');

// XMP properties whose local name starts with GPS (exif:GPSLatitude, drone-dji:GpsLongitude...),
// as elements or as attributes.
const GPS_ELEMENT = /<([\w.-]+:gps[\w.-]*)(?:\s[^>]*)?(?:\/>|>[\s\S]*?<\/\1\s*>)/gi;
const GPS_ATTRIBUTE = /\s[\w.-]+:gps[\w.-]*\s*=\s*(?:"[^"]*"|'[^']*')/gi;

function xmpWithoutGps(text: string): string {
  const blank = (match: string): string => ' '.repeat(match.length);
  return text.replace(GPS_ELEMENT, blank).replace(GPS_ATTRIBUTE, blank);
}

function hasXmpGps(bytes: Uint8Array, range: Range): boolean {
  const text = latin1.decode(bytes.subarray(range.start, range.end));
  return xmpWithoutGps(text) !== text;
}

function writePngCrc(bytes: Uint8Array, chunk: Range): void {
  const crc = Bun.hash.crc32(bytes.subarray(chunk.start, chunk.end));
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(chunk.end, crc >>> 0);
}

/** True when the file carries GPS coordinates in EXIF or XMP. */
export function containsGps(bytes: Uint8Array, type: SniffedType): boolean {
  const ranges = metadataRanges(bytes, type.extension);
  return gpsPlaces(bytes, ranges).any;
}

function gpsPlaces(bytes: Uint8Array, ranges: MetadataRanges) {
  const exif = ranges.exif ? hasGps(bytes.subarray(ranges.exif.start, ranges.exif.end)) : false;
  const xmp = ranges.xmp.filter((r) => hasXmpGps(bytes, r));
  return { exif, xmp, any: exif || xmp.length > 0 };
}

/** The file without its GPS metadata; `bytes` itself when it had none. */
export function stripGps(bytes: Uint8Array, type: SniffedType): Uint8Array {
  if (type.kind !== 'image') return bytes;
  const ranges = metadataRanges(bytes, type.extension);
  const places = gpsPlaces(bytes, ranges);
  if (!places.any) return bytes;

  // A copy, also when `bytes` is a Buffer (whose slice() is a view of the same memory).
  const copy = new Uint8Array(bytes);
  if (places.exif && ranges.exif) {
    removeGpsInPlace(copy.subarray(ranges.exif.start, ranges.exif.end));
    if (ranges.exifCrcChunk) writePngCrc(copy, ranges.exifCrcChunk);
  }
  for (const range of places.xmp) {
    const text = xmpWithoutGps(latin1.decode(copy.subarray(range.start, range.end)));
    for (let i = 0; i < text.length; i++) copy[range.start + i] = text.charCodeAt(i);
    if (range.crcChunk) writePngCrc(copy, range.crcChunk);
  }
  return copy;
}
