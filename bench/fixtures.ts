// The benchmarks' inputs, generated: a photo-like 12 MP JPEG, a 200 KB PNG screenshot,
// and a 90 MB MP4 (ffmpeg, kept in the temp folder between runs).
import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

export interface Fixture {
  name: string;
  filename: string;
  kind: 'jpeg' | 'png';
  bytes: Uint8Array<ArrayBuffer>;
  /** Uploads per run at concurrency c. */
  count: (c: number) => number;
}

/** Every upload must be new bytes (the server answers duplicates without work): a JPEG COM or PNG tEXt-free trailer. */
export function variantOf(
  bytes: Uint8Array,
  n: number,
  kind: 'jpeg' | 'png',
): Uint8Array<ArrayBuffer> {
  const tag = new TextEncoder().encode(`bench-${n}-${Math.random()}`);
  if (kind === 'jpeg') {
    // A COM segment right after SOI: same pixels, different bytes.
    const segment = new Uint8Array(4 + tag.length);
    segment.set([0xff, 0xfe, (tag.length + 2) >> 8, (tag.length + 2) & 0xff]);
    segment.set(tag, 4);
    const out = new Uint8Array(bytes.length + segment.length);
    out.set(bytes.subarray(0, 2));
    out.set(segment, 2);
    out.set(bytes.subarray(2), 2 + segment.length);
    return out;
  }
  // PNG: decoders ignore bytes after IEND.
  const out = new Uint8Array(bytes.length + tag.length);
  out.set(bytes);
  out.set(tag, bytes.length);
  return out;
}

/** 4000x3000 with noise and a gradient: compresses like a photo (~4-6 MB at q90). */
export async function photoJpeg(): Promise<Fixture> {
  const width = 4000;
  const height = 3000;
  const photo = await sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: 90, g: 130, b: 170 },
      noise: { type: 'gaussian', mean: 120, sigma: 30 },
    },
  })
    .composite([
      {
        input: Buffer.from(
          `<svg width="${width}" height="${height}"><defs><linearGradient id="g"><stop offset="0" stop-color="#f80" stop-opacity=".6"/><stop offset="1" stop-color="#08f" stop-opacity=".6"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/></svg>`,
        ),
      },
    ])
    .jpeg({ quality: 90 })
    .toBuffer();
  return {
    name: '12 MP JPEG',
    filename: 'photo.jpg',
    kind: 'jpeg',
    bytes: new Uint8Array(photo),
    count: (c) => Math.max(30, c * 6),
  };
}

/** A screenshot-like PNG of about 200 KB: flat UI blocks and some text-like noise. */
export async function screenshotPng(): Promise<Fixture> {
  const screenshot = await sharp({
    create: { width: 1280, height: 800, channels: 3, background: { r: 245, g: 246, b: 248 } },
  })
    .composite([
      {
        input: {
          create: { width: 1280, height: 64, channels: 3, background: { r: 37, g: 99, b: 235 } },
        },
        top: 0,
        left: 0,
      },
      {
        input: {
          create: {
            width: 390,
            height: 150,
            channels: 3,
            background: '#000',
            noise: { type: 'gaussian', mean: 200, sigma: 60 },
          },
        },
        top: 120,
        left: 40,
      },
    ])
    .png({ compressionLevel: 9 })
    .toBuffer();
  return {
    name: '200 KB PNG screenshot',
    filename: 'screenshot.png',
    kind: 'png',
    bytes: new Uint8Array(screenshot),
    count: (c) => Math.max(100, c * 20),
  };
}

/**
 * A 90 MB H.264 MP4 (720p test pattern with noise, so it does not compress), made once
 * with ffmpeg and kept in the temp folder.
 */
export async function video90Mb(): Promise<string> {
  const path = join(tmpdir(), 'upshot-bench-90mb-v1.mp4');
  if (existsSync(path)) return path;
  const part = `${path}.${process.pid}.part.mp4`;
  const ffmpeg = Bun.spawnSync(
    [
      'ffmpeg',
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=1280x720:rate=30',
      '-vf',
      'noise=alls=60:allf=t',
      '-t',
      '30',
      // Stops when the file reaches the size (about 5 s of this clip).
      '-fs',
      '87500000',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-crf',
      '20',
      '-pix_fmt',
      'yuv420p',
      part,
    ],
    { stdout: 'inherit', stderr: 'inherit' },
  );
  if (ffmpeg.exitCode !== 0) throw new Error('ffmpeg could not make the 90 MB video');
  await rename(part, path);
  return path;
}

/**
 * A top-level MP4 `free` box (players skip it): appended to the clip, it makes each
 * upload new bytes without touching the video.
 */
export function mp4FreeBox(n: number): Uint8Array {
  const payload = new TextEncoder().encode(`bench-${n}-${Math.random()}`);
  const box = new Uint8Array(8 + payload.length);
  new DataView(box.buffer).setUint32(0, box.length);
  box.set(new TextEncoder().encode('free'), 4);
  box.set(payload, 8);
  return box;
}
