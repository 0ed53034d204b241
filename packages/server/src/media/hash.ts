import { md5Hasher } from '../crypto.ts';

/** ~2.5 ms of hashing between yields to the event loop. */
const SLICE = 1024 * 1024;

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * md5 of the bytes, in hex, hashed in slices with a yield between them: a 100 MB video
 * never blocks the event loop for more than a slice, and work started just before (a
 * decode on libvips' threads) gets going meanwhile. No copy is made: a worker thread
 * would need one, and fresh multi-megabyte buffers are what cost most here.
 */
export async function md5(bytes: Uint8Array): Promise<string> {
  const hash = md5Hasher();
  for (let offset = 0; offset < bytes.length; offset += SLICE) {
    if (offset > 0) await nextTick();
    hash.update(bytes.subarray(offset, offset + SLICE));
  }
  return hash.digest('hex');
}
