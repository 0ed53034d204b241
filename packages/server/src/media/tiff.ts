// In-place edits of an EXIF TIFF block (the payload of a JPEG APP1 "Exif", a PNG eXIf
// chunk, a WebP EXIF chunk or an AVIF Exif item). Every edit keeps the block's length and
// every other offset, so the container around it stays valid and the pixels are untouched.

const TYPE_SIZES: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
  13: 4,
};

export const TAG_ORIENTATION = 0x0112;
export const TAG_GPS_IFD = 0x8825;

interface Ifd {
  offset: number;
  count: number;
}

class TiffView {
  readonly view: DataView;
  readonly little: boolean;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const order = this.u16(0);
    if (order === 0x4949) this.little = true;
    else if (order === 0x4d4d) this.little = false;
    else throw new Error('not a TIFF block');
    if (this.u16(2) !== 42) throw new Error('not a TIFF block');
  }

  u16(o: number): number {
    return this.view.getUint16(o, this.little);
  }

  u32(o: number): number {
    return this.view.getUint32(o, this.little);
  }

  setU16(o: number, v: number): void {
    this.view.setUint16(o, v, this.little);
  }

  setU32(o: number, v: number): void {
    this.view.setUint32(o, v, this.little);
  }

  fits(offset: number, length: number): boolean {
    return offset >= 0 && length >= 0 && offset + length <= this.bytes.length;
  }

  ifd(offset: number): Ifd | undefined {
    if (offset < 8 || !this.fits(offset, 2)) return undefined;
    const count = this.u16(offset);
    if (!this.fits(offset, 2 + count * 12 + 4)) return undefined;
    return { offset, count };
  }

  entry(ifd: Ifd, tag: number): number | undefined {
    for (let i = 0; i < ifd.count; i++) {
      const e = ifd.offset + 2 + i * 12;
      if (this.u16(e) === tag) return e;
    }
    return undefined;
  }
}

function tryView(bytes: Uint8Array): TiffView | undefined {
  try {
    return bytes.length >= 8 ? new TiffView(bytes) : undefined;
  } catch {
    return undefined;
  }
}

export function isTiffBlock(bytes: Uint8Array): boolean {
  const t = tryView(bytes);
  return t !== undefined && t.ifd(t.u32(4)) !== undefined;
}

export function hasGps(bytes: Uint8Array): boolean {
  const t = tryView(bytes);
  const ifd0 = t?.ifd(t.u32(4));
  return t !== undefined && ifd0 !== undefined && t.entry(ifd0, TAG_GPS_IFD) !== undefined;
}

/**
 * Removes the GPS IFD: its pointer entry leaves IFD0 (later entries move up, the next-IFD
 * link follows them) and the GPS directory and its values are zeroed. Returns false when
 * there was nothing to remove. `bytes` is modified in place.
 */
export function removeGpsInPlace(bytes: Uint8Array): boolean {
  const t = tryView(bytes);
  if (!t) return false;
  const ifd0 = t.ifd(t.u32(4));
  if (!ifd0) return false;
  const entry = t.entry(ifd0, TAG_GPS_IFD);
  if (entry === undefined) return false;

  const gps = t.ifd(t.u32(entry + 8));
  if (gps) {
    for (let i = 0; i < gps.count; i++) {
      const e = gps.offset + 2 + i * 12;
      const size = (TYPE_SIZES[t.u16(e + 2)] ?? 1) * t.u32(e + 4);
      if (size > 4) {
        const at = t.u32(e + 8);
        if (t.fits(at, size)) bytes.fill(0, at, at + size);
      }
    }
    bytes.fill(0, gps.offset, gps.offset + 2 + gps.count * 12 + 4);
  }

  const end = ifd0.offset + 2 + ifd0.count * 12; // where the next-IFD link sits
  bytes.copyWithin(entry, entry + 12, end + 4);
  bytes.fill(0, end - 12 + 4, end + 4);
  t.setU16(ifd0.offset, ifd0.count - 1);
  return true;
}

/** Sets IFD0's Orientation to 1 (pixels already upright); false when there is none. */
export function resetOrientationInPlace(bytes: Uint8Array): boolean {
  const t = tryView(bytes);
  const ifd0 = t?.ifd(t.u32(4));
  if (!t || !ifd0) return false;
  const entry = t.entry(ifd0, TAG_ORIENTATION);
  if (entry === undefined || t.u16(entry + 2) !== 3) return false;
  t.setU16(entry + 8, 1);
  return true;
}
