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

export async function png(
  width: number,
  height: number,
  color = { r: 255, g: 0, b: 0 },
): Promise<Uint8Array<ArrayBuffer>> {
  return Uint8Array.from(
    await sharp({ create: { width, height, channels: 3, background: color } })
      .png()
      .toBuffer(),
  );
}

export const file = (
  bytes: Uint8Array<ArrayBuffer>,
  name: string,
  type = 'application/octet-stream',
): File => new File([bytes], name, { type });

export const md5 = (bytes: Uint8Array | ArrayBuffer): string =>
  new Bun.CryptoHasher('md5').update(bytes).digest('hex');
