// The BMP decoder's thread (bmp-pool.ts): one job at a time, the pixels transferred back.
import { decodeBmp } from './bmp.ts';
import { MediaError, type MediaErrorReason } from './errors.ts';

export interface BmpJob {
  bytes: Uint8Array;
  maxPixels: number;
}

export type BmpReply =
  | { ok: true; width: number; height: number; channels: 3 | 4; data: Uint8Array<ArrayBuffer> }
  | { ok: false; reason: MediaErrorReason; message: string };

self.addEventListener('message', (event: MessageEvent<BmpJob>) => {
  let reply: BmpReply;
  try {
    const decoded = decodeBmp(event.data.bytes, event.data.maxPixels);
    reply = { ok: true, ...decoded };
  } catch (error) {
    reply =
      error instanceof MediaError
        ? { ok: false, reason: error.reason, message: error.message }
        : { ok: false, reason: 'invalid-image', message: String(error) };
  }
  postMessage(reply, { transfer: reply.ok ? [reply.data.buffer] : [] });
});
