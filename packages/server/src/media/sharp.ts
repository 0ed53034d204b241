// sharp, as every media module loads it: with the C allocator set up for libvips'
// per-image buffers first (allocator.ts).
import sharp from 'sharp';
import { keepFreedMemoryForReuse } from './allocator.ts';

keepFreedMemoryForReuse();

export default sharp;
export type { Sharp } from 'sharp';
