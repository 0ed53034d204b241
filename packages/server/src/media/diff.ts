// Two images compared pixel by pixel: both decoded with sharp to raw RGBA, compared by
// pixelmatch (perceptual colour distance, anti-aliased pixels detected and not counted),
// and the difference drawn as a PNG: unchanged pixels faded, changed ones red. Images of
// different sizes are compared over the area both cover (top-left aligned); the pixels
// only one of them covers count as changed.
import pixelmatch from 'pixelmatch';
import { MediaError } from './errors.ts';
import sharp from './sharp.ts';

export interface DiffOptions {
  /** pixelmatch's per-pixel colour tolerance, 0 to 1. */
  threshold: number;
  /** Refuse an image with more pixels than this, before decoding it. */
  maxPixels: number;
  /** Deadline for each decode and the encode. */
  timeoutMs: number;
}

export interface Size {
  width: number;
  height: number;
}

export interface PixelDiff {
  a: Size;
  b: Size;
  sizeChanged: boolean;
  /** Of the diff image: the area both images cover. */
  width: number;
  height: number;
  /** Pixels over the threshold in the overlap, plus those only one image covers. */
  changedPixels: number;
  /** The larger width times the larger height. */
  totalPixels: number;
  /** The diff as a PNG, or null when nothing changed. */
  png: Uint8Array | null;
}

interface Raw extends Size {
  data: Uint8Array;
}

async function decode(bytes: Uint8Array, options: DiffOptions): Promise<Raw> {
  try {
    const { data, info } = await sharp(bytes, {
      limitInputPixels: options.maxPixels,
      failOn: 'error',
    })
      .timeout({ seconds: Math.max(1, Math.ceil(options.timeoutMs / 1000)) })
      .autoOrient()
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
    };
  } catch (error) {
    const message = (error as Error).message ?? '';
    if (/pixel limit/i.test(message)) throw new MediaError('too-many-pixels');
    if (/timeout/i.test(message)) throw new MediaError('timed-out');
    throw new MediaError('invalid-image', message);
  }
}

/** The top-left `width`×`height` of an RGBA image (the same buffer when nothing is cut). */
function crop(image: Raw, width: number, height: number): Uint8Array {
  if (image.width === width && image.height === height) return image.data;
  const out = new Uint8Array(width * height * 4);
  const row = width * 4;
  for (let y = 0; y < height; y++) {
    out.set(image.data.subarray(y * image.width * 4, y * image.width * 4 + row), y * row);
  }
  return out;
}

export async function diffImages(
  a: Uint8Array,
  b: Uint8Array,
  options: DiffOptions,
): Promise<PixelDiff> {
  const [imageA, imageB] = await Promise.all([decode(a, options), decode(b, options)]);
  const width = Math.min(imageA.width, imageB.width);
  const height = Math.min(imageA.height, imageB.height);
  const sizeChanged = imageA.width !== imageB.width || imageA.height !== imageB.height;
  const totalPixels = Math.max(imageA.width, imageB.width) * Math.max(imageA.height, imageB.height);
  const output = new Uint8Array(width * height * 4);
  const overlapChanged =
    width > 0 && height > 0
      ? pixelmatch(
          crop(imageA, width, height),
          crop(imageB, width, height),
          output,
          width,
          height,
          {
            threshold: options.threshold,
          },
        )
      : 0;
  const changedPixels = overlapChanged + (totalPixels - width * height);
  let png: Uint8Array | null = null;
  if (changedPixels > 0 && width > 0 && height > 0) {
    const encoded = await sharp(output, { raw: { width, height, channels: 4 } })
      .timeout({ seconds: Math.max(1, Math.ceil(options.timeoutMs / 1000)) })
      .png()
      .toBuffer();
    png = new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.length);
  }
  return {
    a: { width: imageA.width, height: imageA.height },
    b: { width: imageB.width, height: imageB.height },
    sizeChanged,
    width,
    height,
    changedPixels,
    totalPixels,
    png,
  };
}
