// Valid BMPs of every kind the decoder reads, drawn from a seeded PRNG, each with the
// pixels a correct decoder must produce; and the mutations the fuzz test applies to them.

/** mulberry32: small, fast and deterministic, so any failing case can be replayed. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** An integer in [min, max]. */
    int: (min: number, max: number): number => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number): boolean => next() < p,
  };
}

export type Rng = ReturnType<typeof prng>;

export const HEADERS = [12, 40, 56, 108, 124] as const;
export type Kind =
  | { bpp: 1 | 2 | 4 | 8; compression: 'rgb' }
  | { bpp: 8; compression: 'rle8' }
  | { bpp: 4; compression: 'rle4' }
  | { bpp: 16 | 24 | 32; compression: 'rgb' }
  | { bpp: 16 | 32; compression: 'bitfields' };

export const KINDS: readonly Kind[] = [
  { bpp: 1, compression: 'rgb' },
  { bpp: 2, compression: 'rgb' },
  { bpp: 4, compression: 'rgb' },
  { bpp: 8, compression: 'rgb' },
  { bpp: 8, compression: 'rle8' },
  { bpp: 4, compression: 'rle4' },
  { bpp: 16, compression: 'rgb' },
  { bpp: 24, compression: 'rgb' },
  { bpp: 32, compression: 'rgb' },
  { bpp: 16, compression: 'bitfields' },
  { bpp: 32, compression: 'bitfields' },
];

export interface GeneratedBmp {
  bytes: Uint8Array;
  width: number;
  height: number;
  channels: 3 | 4;
  /** The decoded pixels, top row first. */
  expected: Uint8Array;
  describe: string;
}

const COMPRESSION = { rgb: 0, rle8: 1, rle4: 2, bitfields: 3 } as const;

interface Masks {
  red: number;
  green: number;
  blue: number;
  alpha: number;
}

function channel(value: number, mask: number): number {
  if (mask === 0) return 0;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  return Math.round((((value & mask) >>> shift) * 255) / max);
}

/** RLE rows: runs, literal runs and the odd delta, ending each row with an escape. */
function encodeRle(
  rows: number[][],
  four: boolean,
  rng: Rng,
  skipped: (row: number, x: number) => void,
): number[] {
  const out: number[] = [];
  rows.forEach((row, r) => {
    let x = 0;
    // A delta at the start of some rows: those pixels are skipped (left black).
    if (r < rows.length - 1 && row.length > 4 && rng.chance(0.2)) {
      const dx = rng.int(1, Math.min(255, row.length - 1));
      out.push(0, 2, dx, 0);
      for (let i = 0; i < dx; i++) skipped(r, i);
      x = dx;
    }
    while (x < row.length) {
      let run = 1;
      while (x + run < row.length && row[x + run] === row[x] && run < 255) run++;
      const left = row.length - x;
      if (run >= 3 || left < 3 || rng.chance(0.3)) {
        const n = Math.min(run, 255);
        out.push(n, four ? (row[x]! << 4) | row[x]! : row[x]!);
        x += n;
      } else {
        const n = Math.min(left, rng.int(3, 40), 255);
        const values = row.slice(x, x + n);
        out.push(0, n);
        const bytes: number[] = [];
        if (four) {
          for (let i = 0; i < n; i += 2) bytes.push((values[i]! << 4) | (values[i + 1] ?? 0));
        } else {
          bytes.push(...values);
        }
        if (bytes.length & 1) bytes.push(0);
        out.push(...bytes);
        x += n;
      }
    }
    out.push(0, r === rows.length - 1 ? 1 : 0);
  });
  return out;
}

/** One valid BMP of the given kind and header size, and what it must decode to. */
export function generateBmp(
  rng: Rng,
  kind: Kind,
  header: (typeof HEADERS)[number],
  size: { width: number; height: number },
): GeneratedBmp {
  const { width, height } = size;
  const { bpp } = kind;
  const core = header === 12;
  const rle = kind.compression === 'rle8' || kind.compression === 'rle4';
  const topDown = !core && !rle && rng.chance(0.5);

  // Palette: a random size up to 2^bpp entries, written in full or declared.
  let palette: Array<[number, number, number]> = [];
  let paletteCount = 0;
  if (bpp <= 8) {
    paletteCount = core ? 1 << bpp : rng.int(1, 1 << bpp);
    palette = Array.from({ length: paletteCount }, () => [
      rng.int(0, 255),
      rng.int(0, 255),
      rng.int(0, 255),
    ]);
  }

  // Masks for 16/32-bit.
  let masks: Masks = { red: 0, green: 0, blue: 0, alpha: 0 };
  let withAlpha = false;
  if (bpp === 16) {
    masks =
      kind.compression === 'bitfields' && rng.chance(0.5)
        ? { red: 0xf800, green: 0x07e0, blue: 0x001f, alpha: 0 }
        : { red: 0x7c00, green: 0x03e0, blue: 0x001f, alpha: 0 };
    if (kind.compression === 'bitfields' && header >= 56 && rng.chance(0.5)) {
      masks = { red: 0x0f00, green: 0x00f0, blue: 0x000f, alpha: 0xf000 };
      withAlpha = true;
    }
  } else if (bpp === 32) {
    masks =
      kind.compression === 'bitfields' && rng.chance(0.5)
        ? { red: 0x000000ff, green: 0x0000ff00, blue: 0x00ff0000, alpha: 0xff000000 }
        : { red: 0x00ff0000, green: 0x0000ff00, blue: 0x000000ff, alpha: 0xff000000 };
    withAlpha = header >= 56 && rng.chance(0.6);
    if (!withAlpha) masks.alpha = 0;
  }
  // Alpha that varies, is all opaque, or all zero (both of the latter mean "opaque").
  const alphaMode = withAlpha ? rng.pick(['varied', 'opaque', 'zero'] as const) : 'none';
  const channels: 3 | 4 = alphaMode === 'varied' ? 4 : 3;

  const expected = new Uint8Array(width * height * channels);
  const stride = Math.ceil((width * bpp) / 32) * 4;
  const rowsData: Uint8Array[] = [];
  const indexRows: number[][] = [];
  for (let r = 0; r < height; r++) {
    const y = topDown ? r : height - 1 - r;
    const row = new Uint8Array(stride);
    const indices: number[] = [];
    for (let x = 0; x < width; x++) {
      const e = (y * width + x) * channels;
      if (bpp <= 8) {
        // Runs of the same index now and then, so RLE has something to compress.
        const index =
          x > 0 && rng.chance(0.5) ? indices[x - 1]! : rng.int(0, Math.max(0, paletteCount - 1));
        indices.push(index);
        const bit = x * bpp;
        row[bit >> 3]! |= index << (8 - bpp - (bit & 7));
        expected.set(palette[index]!, e);
      } else if (bpp === 24) {
        const rgb = [rng.int(0, 255), rng.int(0, 255), rng.int(0, 255)];
        row.set([rgb[2]!, rgb[1]!, rgb[0]!], x * 3);
        expected.set(rgb, e);
      } else {
        let value = Math.floor(rng.next() * 2 ** bpp);
        if (masks.alpha) {
          const full = masks.alpha;
          value &= ~full;
          if (alphaMode === 'opaque') value |= full;
          else if (alphaMode === 'varied') value |= Math.floor(rng.next() * 2 ** bpp) & full;
        }
        value >>>= 0;
        const view = new DataView(row.buffer);
        if (bpp === 16) view.setUint16(x * 2, value, true);
        else view.setUint32(x * 4, value, true);
        expected[e] = channel(value, masks.red);
        expected[e + 1] = channel(value, masks.green);
        expected[e + 2] = channel(value, masks.blue);
        if (channels === 4) expected[e + 3] = channel(value, masks.alpha);
      }
    }
    rowsData.push(row);
    indexRows.push(indices);
  }

  let pixelData: Uint8Array;
  if (rle) {
    const stored = indexRows; // bottom-up: stored row r is image row height-1-r
    pixelData = new Uint8Array(
      encodeRle(stored, kind.compression === 'rle4', rng, (r, x) => {
        expected.fill(
          0,
          ((height - 1 - r) * width + x) * 3,
          ((height - 1 - r) * width + x) * 3 + 3,
        );
      }),
    );
  } else {
    pixelData = new Uint8Array(stride * height);
    rowsData.forEach((row, r) => {
      pixelData.set(row, r * stride);
    });
  }

  const masksAfter = header === 40 && kind.compression === 'bitfields' ? 12 : 0;
  const entry = core ? 3 : 4;
  const gap = rng.chance(0.2) ? rng.int(1, 16) : 0;
  const pixelOffset = 14 + header + masksAfter + palette.length * entry + gap;
  const file = new Uint8Array(pixelOffset + pixelData.length);
  const v = new DataView(file.buffer);
  file.set([0x42, 0x4d]);
  v.setUint32(2, file.length, true);
  v.setUint32(10, pixelOffset, true);
  v.setUint32(14, header, true);
  if (core) {
    v.setUint16(18, width, true);
    v.setInt16(20, height, true);
    v.setUint16(22, 1, true);
    v.setUint16(24, bpp, true);
  } else {
    v.setInt32(18, width, true);
    v.setInt32(22, topDown ? -height : height, true);
    v.setUint16(26, 1, true);
    v.setUint16(28, bpp, true);
    v.setUint32(30, COMPRESSION[kind.compression], true);
    v.setUint32(34, pixelData.length, true);
    v.setUint32(
      46,
      bpp <= 8 && (paletteCount < 1 << bpp || rng.chance(0.5)) ? paletteCount : 0,
      true,
    );
    if (kind.compression === 'bitfields' || (header >= 56 && bpp === 32)) {
      v.setUint32(54, masks.red, true);
      v.setUint32(58, masks.green, true);
      v.setUint32(62, masks.blue, true);
      if (header >= 56) v.setUint32(66, masks.alpha, true);
    }
    if (header >= 108) v.setUint32(70, 0x73524742, true); // 'sRGB'
  }
  palette.forEach(([red, green, blue], i) => {
    file.set([blue, green, red], 14 + header + masksAfter + i * entry);
  });
  file.set(pixelData, pixelOffset);
  return {
    bytes: file,
    width,
    height,
    channels,
    expected,
    describe: `${header}-byte header, ${bpp} bits, ${kind.compression}, ${width}x${height}${topDown ? ' top-down' : ''}, alpha ${alphaMode}`,
  };
}

/** Every kind the header can carry (OS/2 core headers have no compression or 16/32 bits). */
export function kindsFor(header: (typeof HEADERS)[number]): Kind[] {
  if (header === 12)
    return KINDS.filter(
      (k) => k.compression === 'rgb' && k.bpp !== 16 && k.bpp !== 32 && k.bpp !== 2,
    );
  return [...KINDS];
}

const EXTREMES = [
  0, 1, 2, 3, 4, 6, 7, 12, 40, 56, 108, 124, 255, 256, 0x7fff, 0x8000, 0xffff, 10000, 65536,
  0x7fffffff, 0x80000000, 0xffffffff, -1, -10000,
];

/** Header fields worth breaking: [offset, size in bytes]. */
const FIELDS: Array<[number, 2 | 4]> = [
  [2, 4], // file size
  [10, 4], // pixel offset
  [14, 4], // header size
  [18, 4], // width (core: width and height)
  [22, 4], // height
  [26, 2], // planes
  [28, 2], // bits per pixel
  [30, 4], // compression
  [34, 4], // image size
  [46, 4], // palette count
  [50, 4], // important colours
  [54, 4], // red mask
  [58, 4], // green mask
  [62, 4], // blue mask
  [66, 4], // alpha mask
];

/** A broken copy of a valid BMP: truncated, with header fields changed, bytes flipped. */
export function mutate(rng: Rng, bytes: Uint8Array): { bytes: Uint8Array; how: string } {
  let out = bytes.slice();
  const how: string[] = [];
  const steps = rng.int(1, 3);
  for (let s = 0; s < steps; s++) {
    const kind = rng.int(0, 3);
    if (kind === 0) {
      const length = rng.chance(0.5)
        ? rng.int(0, Math.min(out.length, 140))
        : rng.int(0, out.length);
      out = out.slice(0, length);
      how.push(`truncate ${length}`);
    } else if (kind === 1 || kind === 2) {
      const [offset, size] = rng.pick(FIELDS);
      const value = rng.chance(0.6) ? rng.pick(EXTREMES) : Math.floor(rng.next() * 2 ** 32);
      if (offset + size <= out.length) {
        const v = new DataView(out.buffer);
        if (size === 2) v.setUint16(offset, value & 0xffff, true);
        else v.setUint32(offset, value >>> 0, true);
      }
      how.push(`field ${offset}=${value}`);
    } else {
      const flips = rng.int(1, 8);
      for (let i = 0; i < flips && out.length > 0; i++) {
        out[rng.int(0, out.length - 1)] = rng.int(0, 255);
      }
      how.push(`flip ${flips}`);
    }
  }
  return { bytes: out, how: how.join(', ') };
}

/** A file and info header (40 bytes or more) as the fields say; the rest of `length` is zeros. */
export function infoBmp(fields: {
  dibSize?: number;
  width: number;
  height: number;
  bpp: number;
  compression?: number;
  pixelOffset?: number;
  length: number;
}): Uint8Array {
  const file = new Uint8Array(Math.max(fields.length, 54));
  const v = new DataView(file.buffer);
  file.set([0x42, 0x4d]);
  v.setUint32(2, fields.length, true);
  v.setUint32(
    10,
    fields.pixelOffset ?? Math.min(fields.length - 1, 14 + (fields.dibSize ?? 40)),
    true,
  );
  v.setUint32(14, fields.dibSize ?? 40, true);
  v.setInt32(18, fields.width, true);
  v.setInt32(22, fields.height, true);
  v.setUint16(26, 1, true);
  v.setUint16(28, fields.bpp, true);
  v.setUint32(30, fields.compression ?? 0, true);
  return file.subarray(0, fields.length);
}
