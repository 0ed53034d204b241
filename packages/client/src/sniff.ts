/** A type the contract accepts, recognised from the first bytes (docs/api.md §2). */
export interface SniffedType {
  mime: string;
  extension: string;
}

const startsWith = (bytes: Uint8Array, signature: number[], offset = 0): boolean =>
  signature.every((byte, i) => bytes[offset + i] === byte);

const ascii = (bytes: Uint8Array, from: number, to: number): string =>
  String.fromCharCode(...bytes.subarray(from, to));

/**
 * The type of an upload from its bytes, or null. Only used to give nameless bytes a
 * sensible file name and part type; the server sniffs for itself.
 */
export function sniffType(bytes: Uint8Array): SniffedType | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { mime: 'image/jpeg', extension: 'jpg' };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return { mime: 'image/png', extension: 'png' };
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a')
    return { mime: 'image/gif', extension: 'gif' };
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP')
    return { mime: 'image/webp', extension: 'webp' };
  if (ascii(bytes, 0, 2) === 'BM' && bytes.length > 26)
    return { mime: 'image/bmp', extension: 'bmp' };
  if (startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3])) return { mime: 'video/webm', extension: 'webm' };
  if (ascii(bytes, 4, 8) === 'ftyp') {
    const brand = ascii(bytes, 8, 12);
    if (brand === 'avif' || brand === 'avis') return { mime: 'image/avif', extension: 'avif' };
    if (brand === 'qt  ') return { mime: 'video/quicktime', extension: 'mov' };
    return { mime: 'video/mp4', extension: 'mp4' };
  }
  return null;
}

const byExtension: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  bmp: 'image/bmp',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  webm: 'video/webm',
  mov: 'video/quicktime',
};

export const extensionOf = (name: string): string => {
  const match = /\.([A-Za-z0-9]+)$/.exec(name);
  return match ? match[1]!.toLowerCase() : '';
};

/** A mime type for a file name, from its extension; null when unknown. */
export const mimeFromName = (name: string): string | null => byExtension[extensionOf(name)] ?? null;
