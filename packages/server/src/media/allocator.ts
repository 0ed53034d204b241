// glibc's malloc hands freed memory back to the kernel eagerly: blocks over 128 KB are
// unmapped when freed, and a thread arena's free top is trimmed past twice that. libvips
// allocates buffers of that size for every image (zlib state, decoded strips, raw
// pixels), so the kernel maps and zero-fills them again each time: about 600 page faults
// per 200 KB PNG upload, 10-20 % of its CPU on a virtual machine. Keeping freed memory for
// reuse (blocks under 1 MB from the heap, up to 8 MB free per arena before trimming)
// takes that to about 100. Larger values (4 MB and 32 MB) saved no more faults and kept
// ~60 MB more during big video uploads (README: Performance).
//
// The same two settings as GLIBC_TUNABLES' glibc.malloc.mmap_threshold and
// trim_threshold; an operator who sets those there keeps theirs. Other C libraries (musl)
// are left alone.

const M_TRIM_THRESHOLD = -1;
const M_MMAP_THRESHOLD = -3;
const MMAP_THRESHOLD_BYTES = 1024 * 1024;
const TRIM_THRESHOLD_BYTES = 8 * 1024 * 1024;

let tuned: boolean | null = null;

/** Applies the settings once; whether they are in effect (false: not glibc, or the operator's own). */
export function keepFreedMemoryForReuse(): boolean {
  if (tuned !== null) return tuned;
  tuned = false;
  if (process.platform !== 'linux' || process.env.GLIBC_TUNABLES?.includes('glibc.malloc.')) {
    return tuned;
  }
  try {
    // bun:ffi only here: it costs ~2 ms, once, with the first image.
    const { dlopen, FFIType } = require('bun:ffi') as typeof import('bun:ffi');
    const libc = dlopen('libc.so.6', {
      mallopt: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    });
    // mallopt answers 1 when it took the value.
    tuned =
      libc.symbols.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) === 1 &&
      libc.symbols.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) === 1;
  } catch {
    // No glibc (musl has no libc.so.6 and no mallopt): its allocator is left as it is.
  }
  return tuned;
}
