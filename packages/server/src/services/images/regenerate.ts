// Variants made again from a stored original (doctor --fix): the same pipelines as an
// upload, so a regenerated thumb is the thumb the upload would have made.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../config.ts';
import type { ImageRow } from '../../db/schema/index.ts';
import { processImage } from '../../media/image.ts';
import { sniffType } from '../../media/sniff.ts';
import { processVideo } from '../../media/video.ts';
import { readAll, type Storage } from '../../storage/storage.ts';
import { variantsOf } from './files.ts';

export interface RegeneratedSizes {
  thumbSize: number;
  mediumSize: number;
  frameSize: number;
}

/** Reads the original, makes its variants again, and stores those the row names. */
export async function regenerateVariants(input: {
  row: ImageRow;
  storage: Storage;
  config: Pick<Config, 'maxPixels' | 'maxFrames' | 'mediaTimeoutMs'>;
  tempDir: string;
}): Promise<RegeneratedSizes> {
  const { row, storage, config } = input;
  const files = variantsOf(row);
  const main = files.find((file) => file.kind === 'image')!;
  const object = await storage.get(main.key);
  if (!object) throw new Error(`the original ${main.key} is missing`);
  const bytes = await readAll(object);
  const type = await sniffType(bytes);
  const made: Partial<Record<'thumb' | 'medium' | 'frame', Uint8Array>> = {};
  if (type.kind === 'image') {
    const image = await processImage({
      bytes,
      type,
      maxPixels: config.maxPixels,
      maxFrames: config.maxFrames,
      timeoutMs: config.mediaTimeoutMs,
      stripGps: false,
    });
    made.thumb = image.thumb.bytes;
    if (image.medium) made.medium = image.medium.bytes;
  } else {
    await mkdir(input.tempDir, { recursive: true });
    const path = join(input.tempDir, `regenerate-${row.id}.${type.extension}`);
    await writeFile(path, bytes, { mode: 0o600 });
    try {
      const video = await processVideo({
        path,
        type,
        maxPixels: config.maxPixels,
        timeoutMs: config.mediaTimeoutMs,
      });
      made.thumb = video.thumb.bytes;
      made.frame = video.frame.bytes;
      if (video.medium) made.medium = video.medium.bytes;
    } finally {
      await rm(path, { force: true });
    }
  }
  const writes = files.flatMap((file) => {
    const variant = file.kind === 'image' ? undefined : made[file.kind];
    return variant ? [{ key: file.key, bytes: variant }] : [];
  });
  await storage.putAll(writes);
  return {
    thumbSize: made.thumb?.byteLength ?? row.thumbSize,
    mediumSize: row.mediumExtension ? (made.medium?.byteLength ?? row.mediumSize) : 0,
    frameSize: row.type === 'video' ? (made.frame?.byteLength ?? row.frameSize) : 0,
  };
}
