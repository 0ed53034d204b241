import sharp from 'sharp';

/** A noisy photo-like JPEG (noise keeps the encoder honest about sizes). */
export async function jpeg(
  width: number,
  height: number,
  options: { quality?: number } = {},
): Promise<Uint8Array<ArrayBuffer>> {
  const buffer = await sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: 80, g: 140, b: 200 },
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .jpeg({ quality: options.quality ?? 85 })
    .toBuffer();
  return Uint8Array.from(buffer);
}

/** A flat PNG; with `compressionLevel: 0` its length depends on its size alone, not its colour. */
export async function png(
  width: number,
  height: number,
  color = { r: 255, g: 0, b: 0 },
  options: { compressionLevel?: number } = {},
): Promise<Uint8Array<ArrayBuffer>> {
  return Uint8Array.from(
    await sharp({ create: { width, height, channels: 3, background: color } })
      .png(options)
      .toBuffer(),
  );
}

/** A screenshot-like PNG: a flat background with a noisy block (what CI screenshots compress like). */
export async function screenshotPng(width = 1280, height = 800): Promise<Uint8Array<ArrayBuffer>> {
  const noise = {
    create: {
      width: Math.round(width * 0.3),
      height: Math.round(height * 0.19),
      channels: 3 as const,
      background: '#000',
      noise: { type: 'gaussian' as const, mean: 200, sigma: 60 },
    },
  };
  const buffer = await sharp({
    create: { width, height, channels: 3, background: { r: 245, g: 246, b: 248 } },
  })
    .composite([{ input: noise, top: Math.round(height * 0.15), left: 40 }])
    .png()
    .toBuffer();
  return Uint8Array.from(buffer);
}

export const file = (
  bytes: Uint8Array<ArrayBuffer>,
  name: string,
  type = 'application/octet-stream',
): File => new File([bytes], name, { type });

export const md5 = (bytes: Uint8Array | ArrayBuffer): string =>
  new Bun.CryptoHasher('md5').update(bytes).digest('hex');
