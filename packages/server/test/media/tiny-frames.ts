// A GIF of many one-pixel frames on a larger canvas: a few bytes per frame in the file,
// a whole canvas per frame to decode and encode.

/** `frames` frames, each a single pixel, on a `width` x `height` canvas. */
export function tinyFrameGif(width: number, height: number, frames: number): Uint8Array {
  const header = [
    ...new TextEncoder().encode('GIF89a'),
    width & 0xff,
    width >> 8,
    height & 0xff,
    height >> 8,
    0xf1, // a global colour table of 4 entries
    0,
    0,
    ...[0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255],
    // NETSCAPE2.0: loop forever
    0x21,
    0xff,
    0x0b,
    ...new TextEncoder().encode('NETSCAPE2.0'),
    3,
    1,
    0,
    0,
    0,
  ];
  const frameSize = 8 + 10 + 5;
  const out = new Uint8Array(header.length + frames * frameSize + 1);
  out.set(header);
  let o = header.length;
  for (let i = 0; i < frames; i++) {
    const x = i % width;
    const y = Math.floor(i / width) % height;
    // Graphic control: keep the previous frame, 20 ms.
    out.set([0x21, 0xf9, 4, 0x04, 2, 0, 0, 0], o);
    // Image descriptor: 1x1 at (x, y), no local colour table.
    out.set([0x2c, x & 0xff, x >> 8, y & 0xff, y >> 8, 1, 0, 1, 0, 0], o + 8);
    // LZW, minimum code size 2: clear, colour 1 + (i % 3), end (3-bit codes).
    const codes = 4 | ((1 + (i % 3)) << 3) | (5 << 6);
    out.set([2, 2, codes & 0xff, codes >> 8, 0], o + 18);
    o += frameSize;
  }
  out[o] = 0x3b;
  return out;
}
