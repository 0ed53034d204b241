// Reusable memory for files received in memory (http/form.ts).
//
// Fresh memory is expensive where Upshot runs: each new page costs a page fault, and in a
// VM a fault costs 10-20 µs (README: Performance). A 4 MB upload collected in newly
// allocated memory spent ~10 ms of the event loop on faults alone, and kept Bun's receive
// buffers alive until the end so that they could not be reused either. A buffer from this
// pool stays mapped from one upload to the next, and each chunk is copied into it as it
// arrives, so the chunk's own memory is free again at once.

/** Buffers of at least `bytes`, taken and given back; free ones are kept up to a limit. */
export interface BufferPool {
  /** A buffer of at least `bytes` bytes (a power of two), reused when one is free. */
  take(bytes: number): Uint8Array<ArrayBuffer>;
  /** A buffer from `take` that nobody uses any more. */
  give(buffer: Uint8Array<ArrayBuffer>): void;
  /** Bytes of free buffers held for reuse. */
  readonly freeBytes: number;
}

export interface BufferPoolOptions {
  /** Free buffers kept past this many bytes are left to the garbage collector. */
  maxFreeBytes: number;
  /** The smallest buffer handed out (default 64 KiB). */
  minBytes?: number;
}

/** The power of two at or above `bytes`, at least `min`. */
const sizeClass = (bytes: number, min: number): number =>
  Math.max(min, 2 ** Math.ceil(Math.log2(Math.max(1, bytes))));

export function createBufferPool(options: BufferPoolOptions): BufferPool {
  const min = sizeClass(options.minBytes ?? 64 * 1024, 1);
  /** Free buffers by capacity. */
  const free = new Map<number, Array<Uint8Array<ArrayBuffer>>>();
  let freeBytes = 0;

  return {
    take(bytes) {
      const capacity = sizeClass(bytes, min);
      const reused = free.get(capacity)?.pop();
      if (reused) {
        freeBytes -= capacity;
        return reused;
      }
      return new Uint8Array(capacity);
    },
    give(buffer) {
      const capacity = buffer.byteLength;
      // Only whole buffers of a class (a view would hand out memory someone else holds).
      if (capacity !== sizeClass(capacity, min) || capacity !== buffer.buffer.byteLength) return;
      if (freeBytes + capacity > options.maxFreeBytes) return;
      let list = free.get(capacity);
      if (!list) {
        list = [];
        free.set(capacity, list);
      }
      if (list.includes(buffer)) return;
      list.push(buffer);
      freeBytes += capacity;
    },
    get freeBytes() {
      return freeBytes;
    },
  };
}
