// Images: read the header, then one decode feeds every output.
//
// sharp's clone() shares the *input*, not the decode: each clone runs its own libvips
// pipeline and decodes the file again. So a still image is decoded once, straight to the
// smallest size every output can be made from (a JPEG uses shrink-on-load: a 12 MP photo is
// decoded at 1/8 scale for a 500 px medium), rotated upright per EXIF, into raw pixels;
// the thumb, the medium and a resized main file are then encoded from those pixels.
// Animated GIF/WebP keep their frames through sharp's animated pipelines (raw pixels lose
// the page structure), one per variant; BMP is decoded in JavaScript (bmp.ts) once, in a
// worker (bmp-pool.ts).
//
// Everything runs under one deadline (UPSHOT_MEDIA_TIMEOUT_S): each sharp pipeline gets the
// time left as its timeout, the BMP worker is terminated at it. Animations are refused past
// UPSHOT_MAX_FRAMES from their header, and every frame counts against the pixel limit.
// Variants never enlarge: a small image's thumb is a cover crop no bigger than itself.
//
// The stored main file is the uploaded bytes, untouched, unless `width` resizes it, BMP is
// converted to PNG, or GPS is removed (metadata only, pixels byte-identical: gps.ts).

import { readBmpHeader } from './bmp.ts';
import { bmpPool } from './bmp-pool.ts';
import { metadataRanges, pngChunks } from './containers.ts';
import { MediaError } from './errors.ts';
import { stripGps } from './gps.ts';
import { readExif, readTextMetadata } from './metadata.ts';
import sharp, { type Sharp } from './sharp.ts';
import type { SniffedType } from './sniff.ts';
import { isTiffBlock, removeGpsInPlace, resetOrientationInPlace } from './tiff.ts';

export interface ImageHeader {
  /** As stored, before EXIF orientation (see `orientation`); for animations, one frame. */
  width: number;
  height: number;
  pages: number;
  /** EXIF orientation 1-8, when the file has one. */
  orientation: number | undefined;
}

export interface EncodedFile {
  bytes: Uint8Array;
  mime: string;
  extension: string;
  width: number;
  height: number;
}

export interface ProcessImageInput {
  bytes: Uint8Array;
  type: SniffedType;
  /** Resize the stored file to this width (ignored for animated images). */
  width?: number;
  maxPixels: number;
  /** Refuse animations with more frames than this (default 1000), before decoding. */
  maxFrames?: number;
  /** Deadline for all the work on this image (default 30 s). */
  timeoutMs?: number;
  stripGps: boolean;
  /** The header when the caller has read it already (to check the pixel limit early). */
  header?: ImageHeader;
}

export interface ProcessedImage {
  main: EncodedFile;
  thumb: EncodedFile;
  medium: EncodedFile | null;
  isAnimated: boolean;
  exif: Record<string, unknown> | null;
  title: string | null;
  description: string | null;
}

export const THUMB_SIZE = 320;
export const MEDIUM_WIDTH = 500;
export const DEFAULT_MAX_FRAMES = 1000;
export const DEFAULT_IMAGE_TIMEOUT_MS = 30_000;

// Decoder errors fail the upload; libjpeg's recoverable warnings ("extraneous bytes before
// marker", common in camera files) do not. Truncation fails at this level too.
const FAIL_ON = 'error' as const;

const SHARP_FORMAT: Record<string, string> = {
  jpeg: 'jpeg',
  png: 'png',
  gif: 'gif',
  webp: 'webp',
  avif: 'heif',
};

const MIME: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
};

/** When the work on one image must end. */
class Deadline {
  readonly at: number;

  constructor(readonly ms: number) {
    this.at = Date.now() + ms;
  }

  error(): MediaError {
    return new MediaError('timed-out', `image processing took longer than ${this.ms / 1000} s`);
  }

  /** Whole seconds left, for sharp's timeout (at least 1); throws when none are. */
  seconds(): number {
    const left = this.at - Date.now();
    if (left <= 0) throw this.error();
    return Math.min(3600, Math.ceil(left / 1000));
  }
}

function invalid(error: unknown, deadline?: Deadline): MediaError {
  if (error instanceof MediaError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) return new MediaError('too-many-pixels', message);
  // libvips' words when sharp's timeout stops a pipeline: "timeout: 42% complete".
  if (/timeout: \d+% complete/.test(message) && deadline) return deadline.error();
  return new MediaError('invalid-image', message);
}

export async function readImageHeader(bytes: Uint8Array, type: SniffedType): Promise<ImageHeader> {
  if (type.kind !== 'image') throw new MediaError('invalid-image', `${type.mime} is not an image`);
  if (type.extension === 'bmp') {
    const header = readBmpHeader(bytes);
    return { width: header.width, height: header.height, pages: 1, orientation: undefined };
  }
  let meta: sharp.Metadata;
  try {
    // Header only: nothing is decoded, so no pixel limit applies here (the caller checks).
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw invalid(error);
  }
  if (meta.format !== SHARP_FORMAT[type.extension]) {
    throw new MediaError('invalid-image', `expected ${type.extension}, found ${meta.format}`);
  }
  if (type.extension === 'avif' && meta.compression && meta.compression !== 'av1') {
    throw new MediaError('unsupported-type', `HEIF with ${meta.compression} is not supported`);
  }
  const width = meta.width;
  const height = meta.pageHeight ?? meta.height;
  if (!width || !height) throw new MediaError('invalid-image', 'no dimensions');
  const orientation =
    meta.orientation && meta.orientation >= 1 && meta.orientation <= 8
      ? meta.orientation
      : undefined;
  return { width, height, pages: meta.pages ?? 1, orientation };
}

/** The format variants are written in: the main file's, except AVIF (see encodeVariant). */
function variantExtension(extension: string): string {
  return extension === 'avif' || extension === 'bmp'
    ? extension === 'avif'
      ? 'webp'
      : 'png'
    : extension;
}

/**
 * Variants: same format as the main file. AVIF variants are WebP: AVIF encoding costs
 * 10-20x a JPEG/WebP encode on our 2 cores, and every browser that shows AVIF shows WebP
 * (which, unlike JPEG, keeps alpha).
 */
function encodeVariant(pipeline: Sharp, extension: string): Sharp {
  switch (variantExtension(extension)) {
    case 'jpeg':
      // mozjpeg's quantisation tables with libjpeg-turbo's fast encoder: most of mozjpeg's
      // size gain for a third of its CPU (trellis quantisation costs ~12 ms per upload).
      return pipeline.jpeg({ quality: 82, quantisationTable: 3, optimiseCoding: true });
    case 'png':
      return pipeline.png({ compressionLevel: 6 });
    case 'gif':
      return pipeline.gif();
    default:
      return pipeline.webp({ quality: 80 });
  }
}

/** A resized main file keeps its own format (BMP becomes PNG). */
function encodeMain(pipeline: Sharp, extension: string): Sharp {
  switch (extension) {
    case 'jpeg':
      return pipeline.jpeg({ quality: 90, mozjpeg: true });
    case 'gif':
      return pipeline.gif();
    case 'webp':
      return pipeline.webp({ quality: 90 });
    case 'avif':
      return pipeline.avif({ quality: 60 });
    default:
      return pipeline.png({ compressionLevel: 6 });
  }
}

async function encode(
  pipeline: Sharp,
  extension: string,
  deadline: Deadline,
): Promise<EncodedFile> {
  let result: { data: Buffer; info: sharp.OutputInfo };
  try {
    result = await pipeline
      .timeout({ seconds: deadline.seconds() })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw invalid(error, deadline);
  }
  const { data, info } = result;
  return {
    bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    mime: MIME[extension] ?? 'application/octet-stream',
    extension,
    width: info.width,
    height: info.pageHeight ?? info.height,
  };
}

function checkFrames(header: ImageHeader, maxFrames: number): void {
  if (header.pages > maxFrames) {
    throw new MediaError('too-many-frames', `${header.pages} frames exceeds ${maxFrames}`);
  }
}

function checkPixels(header: ImageHeader, frames: number, maxPixels: number): void {
  // Every frame of an animation is decoded: the limit is on all of them together, which is
  // also how sharp's limitInputPixels counts an animated input.
  if (header.width * header.height * frames > maxPixels) {
    throw new MediaError(
      'too-many-pixels',
      `${header.width}x${header.height}x${frames} exceeds ${maxPixels} pixels`,
    );
  }
}

/** The width the main file is resized to, or undefined to keep it; throws when too wide. */
function targetWidth(requested: number | undefined, displayWidth: number): number | undefined {
  if (requested === undefined) return undefined;
  if (!Number.isInteger(requested) || requested < 1) {
    throw new RangeError(`width must be a positive integer, got ${requested}`);
  }
  if (requested > displayWidth) {
    throw new MediaError('width-too-large', `${requested} > ${displayWidth}`);
  }
  return requested < displayWidth ? requested : undefined;
}

/**
 * The width to decode at so that every output can be made by reducing: the resized main
 * file when there is one (variants are made from it), else the largest of the medium and
 * a cover-crop thumb. Never above the image's own size.
 */
function decodeWidth(
  displayWidth: number,
  displayHeight: number,
  target: number | undefined,
): number {
  if (target !== undefined) return target;
  const scale = Math.min(
    1,
    Math.max(
      displayWidth > MEDIUM_WIDTH ? MEDIUM_WIDTH / displayWidth : 0,
      THUMB_SIZE / displayWidth,
      THUMB_SIZE / displayHeight,
    ),
  );
  return Math.min(displayWidth, Math.max(1, Math.ceil(displayWidth * scale)));
}

interface Pixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

function fromPixels(pixels: Pixels, maxPixels: number): Sharp {
  const { width, height, channels } = pixels;
  return sharp(pixels.data, { raw: { width, height, channels }, limitInputPixels: maxPixels });
}

/**
 * The thumb's cover crop: 320x320, or less on a side where the image itself is smaller
 * (the effect of sharp's withoutEnlargement). Sized from the stored image, not from the
 * pixels it is cut from, which for a large image are a reduced decode of it.
 */
function thumbResize(pipeline: Sharp, width: number, height: number): Sharp {
  return pipeline.resize(Math.min(THUMB_SIZE, width), Math.min(THUMB_SIZE, height), {
    fit: 'cover',
  });
}

/** Thumb and medium from decoded pixels; `main` is the stored file's size. */
async function variantsFrom(
  pixels: Pixels,
  main: { width: number; height: number },
  extension: string,
  maxPixels: number,
  deadline: Deadline,
): Promise<{ thumb: EncodedFile; medium: EncodedFile | null }> {
  const out = variantExtension(extension);
  const thumb = encode(
    encodeVariant(thumbResize(fromPixels(pixels, maxPixels), main.width, main.height), extension),
    out,
    deadline,
  );
  let medium: Promise<EncodedFile> | null = null;
  // Only a wider image gets a medium: it is never enlarged.
  if (main.width > MEDIUM_WIDTH) {
    const source = fromPixels(pixels, maxPixels);
    const sized = pixels.width === MEDIUM_WIDTH ? source : source.resize({ width: MEDIUM_WIDTH });
    medium = encode(encodeVariant(sized, extension), out, deadline);
  }
  const [t, m] = await Promise.all([thumb, medium]);
  return { thumb: t, medium: m };
}

/** Puts the original EXIF (upright, GPS removed when asked) into a re-encoded JPEG or PNG. */
function carryExif(
  original: Uint8Array,
  type: SniffedType,
  encoded: Uint8Array,
  extension: string,
  stripGpsTags: boolean,
): Uint8Array {
  if (extension !== 'jpeg' && extension !== 'png') return encoded;
  const range = metadataRanges(original, type.extension).exif;
  if (!range) return encoded;
  const tiff = original.slice(range.start, range.end);
  if (!isTiffBlock(tiff)) return encoded;
  resetOrientationInPlace(tiff);
  if (stripGpsTags) removeGpsInPlace(tiff);
  if (extension === 'jpeg') {
    if (tiff.length + 8 > 0xffff || encoded[0] !== 0xff || encoded[1] !== 0xd8) return encoded;
    // After SOI and a JFIF APP0 when there is one.
    let at = 2;
    if (encoded[2] === 0xff && encoded[3] === 0xe0) at = 4 + ((encoded[4]! << 8) | encoded[5]!);
    const segment = new Uint8Array(10 + tiff.length);
    segment.set([0xff, 0xe1, ((tiff.length + 8) >> 8) & 0xff, (tiff.length + 8) & 0xff]);
    segment.set(new TextEncoder().encode('Exif\0\0'), 4);
    segment.set(tiff, 10);
    return concat(encoded.subarray(0, at), segment, encoded.subarray(at));
  }
  const ihdr = pngChunks(encoded).find((c) => c.type === 'IHDR');
  if (!ihdr) return encoded;
  const at = ihdr.dataEnd + 4;
  const chunk = new Uint8Array(12 + tiff.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, tiff.length);
  chunk.set(new TextEncoder().encode('eXIf'), 4);
  chunk.set(tiff, 8);
  view.setUint32(8 + tiff.length, Bun.hash.crc32(chunk.subarray(4, 8 + tiff.length)) >>> 0);
  return concat(encoded.subarray(0, at), chunk, encoded.subarray(at));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

async function processStill(
  input: ProcessImageInput,
  header: ImageHeader,
  deadline: Deadline,
): Promise<Omit<ProcessedImage, 'exif' | 'title' | 'description'>> {
  const { bytes, type, maxPixels } = input;
  const swap = (header.orientation ?? 1) >= 5;
  const displayWidth = swap ? header.height : header.width;
  const displayHeight = swap ? header.width : header.height;
  const target = targetWidth(input.width, displayWidth);
  const width = decodeWidth(displayWidth, displayHeight, target);

  // Turned upright only when the file says it is not (an extra pass over the pixels).
  let pipeline = sharp(bytes, { failOn: FAIL_ON, limitInputPixels: maxPixels });
  if ((header.orientation ?? 1) !== 1) pipeline = pipeline.rotate();
  if (width < displayWidth) pipeline = pipeline.resize({ width });
  let pixels: Pixels;
  try {
    const { data, info } = await pipeline
      .raw({ depth: 'uchar' })
      .timeout({ seconds: deadline.seconds() })
      .toBuffer({ resolveWithObject: true });
    pixels = { data, width: info.width, height: info.height, channels: info.channels };
  } catch (error) {
    throw invalid(error, deadline);
  }

  const mainFile = async (): Promise<EncodedFile> => {
    if (target === undefined) {
      return {
        bytes: input.stripGps ? stripGps(bytes, type) : bytes,
        mime: type.mime,
        extension: type.extension,
        width: displayWidth,
        height: displayHeight,
      };
    }
    const encoded = await encode(
      encodeMain(fromPixels(pixels, maxPixels), type.extension),
      type.extension,
      deadline,
    );
    return {
      ...encoded,
      bytes: carryExif(bytes, type, encoded.bytes, type.extension, input.stripGps),
    };
  };
  // With a target width the pixels are the stored file's, at its exact size.
  const mainSize =
    target === undefined
      ? { width: displayWidth, height: displayHeight }
      : { width: pixels.width, height: pixels.height };
  const [main, variants] = await Promise.all([
    mainFile(),
    variantsFrom(pixels, mainSize, type.extension, maxPixels, deadline),
  ]);
  return { main, ...variants, isAnimated: false };
}

async function processAnimated(
  input: ProcessImageInput,
  header: ImageHeader,
  deadline: Deadline,
): Promise<Omit<ProcessedImage, 'exif' | 'title' | 'description'>> {
  const { bytes, type, maxPixels } = input;
  const source = sharp(bytes, { failOn: FAIL_ON, limitInputPixels: maxPixels, animated: true });
  const [thumb, medium] = await Promise.all([
    encode(
      encodeVariant(thumbResize(source.clone(), header.width, header.height), type.extension),
      type.extension,
      deadline,
    ),
    // Every animation gets a medium (the viewer shows it); a narrow one is not enlarged.
    encode(
      encodeVariant(
        source.clone().resize({ width: MEDIUM_WIDTH, withoutEnlargement: true }),
        type.extension,
      ),
      type.extension,
      deadline,
    ),
  ]);
  const main: EncodedFile = {
    bytes: input.stripGps ? stripGps(bytes, type) : bytes,
    mime: type.mime,
    extension: type.extension,
    width: header.width,
    height: header.height,
  };
  return { main, thumb, medium, isAnimated: true };
}

async function processBmp(
  input: ProcessImageInput,
  deadline: Deadline,
): Promise<Omit<ProcessedImage, 'exif' | 'title' | 'description'>> {
  const { maxPixels } = input;
  deadline.seconds(); // throws when no time is left
  const decoded = await bmpPool().decode(input.bytes, maxPixels, deadline.at - Date.now());
  const pixels: Pixels = {
    data: Buffer.from(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength),
    width: decoded.width,
    height: decoded.height,
    channels: decoded.channels,
  };
  const target = targetWidth(input.width, decoded.width);
  let source = pixels;
  if (target !== undefined) {
    try {
      const { data, info } = await fromPixels(pixels, maxPixels)
        .resize({ width: target })
        .raw()
        .timeout({ seconds: deadline.seconds() })
        .toBuffer({ resolveWithObject: true });
      source = { data, width: info.width, height: info.height, channels: info.channels };
    } catch (error) {
      throw invalid(error, deadline);
    }
  }
  const [main, variants] = await Promise.all([
    encode(encodeMain(fromPixels(source, maxPixels), 'png'), 'png', deadline),
    variantsFrom(source, source, 'bmp', maxPixels, deadline),
  ]);
  return { main, ...variants, isAnimated: false };
}

export async function processImage(input: ProcessImageInput): Promise<ProcessedImage> {
  const { bytes, type, maxPixels } = input;
  const header = input.header ?? (await readImageHeader(bytes, type));
  const animated = header.pages > 1 && (type.extension === 'gif' || type.extension === 'webp');
  if (animated) checkFrames(header, input.maxFrames ?? DEFAULT_MAX_FRAMES);
  checkPixels(header, animated ? header.pages : 1, maxPixels);
  const deadline = new Deadline(input.timeoutMs ?? DEFAULT_IMAGE_TIMEOUT_MS);

  const [processed, text] = await Promise.all([
    type.extension === 'bmp'
      ? processBmp(input, deadline)
      : animated
        ? processAnimated(input, header, deadline)
        : processStill(input, header, deadline),
    readTextMetadata(bytes, type.extension),
  ]);
  const exif = await readExif(processed.main.bytes, processed.main.extension);
  return { ...processed, exif, ...text };
}
