import { UpshotError } from './errors.ts';
import { md5Hex } from './md5.ts';
import { mimeFromName, sniffType } from './sniff.ts';

/**
 * What can be uploaded. A bare string is an http(s) URL (sent as a URL source), a
 * `data:` URL or base64 text (sent as base64), or else a file path.
 */
export type UploadInput =
  | string
  | Uint8Array
  | Blob
  | { path: string }
  | { url: string }
  | { base64: string }
  | { bytes: Uint8Array | Blob; filename?: string };

/** The source as it goes on the wire, with the md5 of the bytes it stands for. */
export type PreparedSource =
  | { kind: 'file'; blob: Blob; filename: string; md5: string }
  | { kind: 'base64'; base64: string; md5: string }
  /** The server fetches the URL: the client sends no bytes, so `md5` is `''`. */
  | { kind: 'url'; url: string; md5: '' };

type Fs = typeof import('node:fs/promises');
let fsModule: Promise<Fs | null> | undefined;
// Loaded on first use, so the client still loads where there is no file system (browsers).
const loadFs = (): Promise<Fs | null> => {
  fsModule ??= import('node:fs/promises').then(
    (fs) => fs,
    () => null,
  );
  return fsModule;
};

const inputError = (message: string, cause?: unknown) =>
  new UpshotError(message, { kind: 'input', cause });

export const isHttpUrl = (text: string): boolean =>
  /^https?:\/\//i.test(text) && URL.canParse(text);

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Text that can only be base64: the standard alphabet, a whole number of quads, long enough. */
export const looksLikeBase64 = (text: string): boolean => {
  const compact = text.replace(/\s+/g, '');
  return compact.length >= 16 && compact.length % 4 === 0 && BASE64.test(compact);
};

/** The base64 payload of a `data:` URL or base64 text, without prefix or whitespace. */
function base64Payload(text: string): string {
  let payload = text;
  if (/^data:/i.test(text)) {
    const comma = text.indexOf(',');
    if (comma < 0 || !/;base64$/i.test(text.slice(0, comma))) {
      throw inputError('A data: URL must be base64 encoded (data:<mime>;base64,...)');
    }
    payload = text.slice(comma + 1);
  }
  payload = payload.replace(/\s+/g, '');
  if (payload === '') throw inputError('Empty base64 string');
  if (!BASE64.test(payload) || payload.length % 4 === 1) throw inputError('Invalid base64 string');
  return payload;
}

function decodeBase64(payload: string): Uint8Array {
  try {
    const binary = atob(payload);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch (cause) {
    throw inputError('Invalid base64 string', cause);
  }
}

const baseName = (path: string): string => path.split(/[\\/]/).pop() || 'upload';

async function isExistingPath(text: string): Promise<boolean> {
  if (text.length > 4096 || text.includes('\0')) return false;
  const fs = await loadFs();
  if (!fs) return false;
  return fs.stat(text).then(
    () => true,
    () => false,
  );
}

async function readPath(path: string): Promise<Uint8Array> {
  const fs = await loadFs();
  if (!fs) throw inputError(`Cannot read ${path}: no file system in this runtime`);
  try {
    return await fs.readFile(path);
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (code === 'ENOENT') throw inputError(`File not found: ${path}`, cause);
    if (code === 'EISDIR') throw inputError(`Not a file: ${path} is a directory`, cause);
    if (code === 'EACCES' || code === 'EPERM')
      throw inputError(`Permission denied: ${path}`, cause);
    throw inputError(`Cannot read ${path}: ${(cause as Error).message}`, cause);
  }
}

async function fromBytes(
  bytes: Uint8Array,
  filename: string | undefined,
  type: string,
): Promise<PreparedSource> {
  const sniffed = sniffType(bytes);
  const name = filename || (sniffed ? `upload.${sniffed.extension}` : 'upload');
  const mime = type || sniffed?.mime || mimeFromName(name) || 'application/octet-stream';
  const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mime });
  return { kind: 'file', blob, filename: name, md5: await md5Hex(bytes) };
}

async function fromBlob(blob: Blob, filename: string | undefined): Promise<PreparedSource> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const name = filename || (typeof File !== 'undefined' && blob instanceof File ? blob.name : '');
  return fromBytes(bytes, name || undefined, blob.type);
}

async function fromBase64(text: string): Promise<PreparedSource> {
  const base64 = base64Payload(text);
  return { kind: 'base64', base64, md5: await md5Hex(decodeBase64(base64)) };
}

function fromUrl(url: string): PreparedSource {
  if (!isHttpUrl(url)) throw inputError(`Not an http(s) URL: ${url}`);
  return { kind: 'url', url, md5: '' };
}

async function fromPath(path: string): Promise<PreparedSource> {
  return fromBytes(await readPath(path), baseName(path), '');
}

/** How a bare string is taken (see {@link UploadInput}). */
export async function classifyString(text: string): Promise<'url' | 'base64' | 'path'> {
  if (isHttpUrl(text)) return 'url';
  if (/^data:/i.test(text)) return 'base64';
  if (await isExistingPath(text)) return 'path';
  return looksLikeBase64(text) ? 'base64' : 'path';
}

/** Reads and hashes an input. Throws an UpshotError of kind `input` when it can't. */
export async function prepareInput(input: UploadInput): Promise<PreparedSource> {
  if (typeof input === 'string') {
    const kind = await classifyString(input);
    if (kind === 'url') return fromUrl(input);
    if (kind === 'base64') return fromBase64(input);
    return fromPath(input);
  }
  if (input instanceof Uint8Array) return fromBytes(input, undefined, '');
  if (input instanceof Blob) return fromBlob(input, undefined);
  if (input && typeof input === 'object') {
    if ('path' in input && typeof input.path === 'string') return fromPath(input.path);
    if ('url' in input && typeof input.url === 'string') return fromUrl(input.url);
    if ('base64' in input && typeof input.base64 === 'string') return fromBase64(input.base64);
    if ('bytes' in input) {
      if (input.bytes instanceof Uint8Array) return fromBytes(input.bytes, input.filename, '');
      if (input.bytes instanceof Blob) return fromBlob(input.bytes, input.filename);
    }
  }
  throw inputError('Unsupported upload input');
}

/** A short human label for an input (progress lines, CLI errors); never the whole base64. */
export function describeInput(input: UploadInput): string {
  if (typeof input === 'string') {
    if (isHttpUrl(input)) return input;
    if (/^data:/i.test(input)) return `data URL (${input.length} characters)`;
    return input.length > 200 ? `base64 (${input.length} characters)` : input;
  }
  if (input instanceof Uint8Array) return `bytes (${input.length} B)`;
  if (input instanceof Blob) {
    if (typeof File !== 'undefined' && input instanceof File && input.name) return input.name;
    return `blob (${input.size} B)`;
  }
  if ('path' in input) return input.path;
  if ('url' in input) return input.url;
  if ('base64' in input) return `base64 (${input.base64.length} characters)`;
  if ('bytes' in input) {
    if (input.filename) return input.filename;
    const size = input.bytes instanceof Blob ? input.bytes.size : input.bytes.length;
    return `bytes (${size} B)`;
  }
  return 'upload';
}
