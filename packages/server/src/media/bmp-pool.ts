// BMP decodes run in Bun Workers, so a large or hostile bitmap never blocks the event loop
// and can be stopped: at its deadline the worker is terminated (a fresh one takes its place
// on the next decode) and the upload fails with MediaError('timed-out').
//
// Workers start on first use, not with the server, and are kept for the next decode. The
// pool grows only while every worker is busy; uploads call it inside the media queue, so
// it holds at most UPSHOT_MEDIA_CONCURRENCY workers (README: Configuration).

import { BMP_WORKER } from '../paths.ts';
import type { DecodedBmp } from './bmp.ts';
import type { BmpJob, BmpReply } from './bmp-worker.ts';
import { MediaError } from './errors.ts';

export interface BmpPool {
  /** Decodes in a worker; rejects with MediaError only. */
  decode(bytes: Uint8Array, maxPixels: number, timeoutMs: number): Promise<DecodedBmp>;
  /** Workers alive (busy or idle). */
  readonly size: number;
  /** Terminates every worker; decodes in progress fail. */
  close(): void;
}

export function createBmpPool(): BmpPool {
  const idle: Worker[] = [];
  const busy = new Set<Worker>();
  const stops = new Set<() => void>();

  const spawn = (): Worker => {
    const worker = new Worker(BMP_WORKER);
    // An idle worker must not keep the process alive; a decode in progress has its timer.
    // (Bun's Worker has unref; the DOM typings in use do not know it.)
    (worker as Worker & { unref(): void }).unref();
    return worker;
  };

  return {
    decode(bytes, maxPixels, timeoutMs) {
      const worker = idle.pop() ?? spawn();
      busy.add(worker);
      return new Promise<DecodedBmp>((resolve, reject) => {
        const finish = (keep: boolean): void => {
          clearTimeout(timer);
          stops.delete(stop);
          worker.removeEventListener('message', onMessage);
          worker.removeEventListener('error', onError);
          worker.removeEventListener('close', onClose);
          busy.delete(worker);
          if (keep) idle.push(worker);
          else worker.terminate();
        };
        const onMessage = (event: MessageEvent<BmpReply>): void => {
          finish(true);
          const reply = event.data;
          if (reply.ok) {
            const { width, height, channels, data } = reply;
            resolve({ width, height, channels, data });
          } else {
            reject(new MediaError(reply.reason, reply.message));
          }
        };
        const onError = (event: Event): void => {
          finish(false);
          const message = event instanceof ErrorEvent ? event.message : 'worker failed';
          reject(new MediaError('invalid-image', `BMP: decoder failed: ${message}`));
        };
        const onClose = (): void => {
          finish(false);
          reject(new MediaError('invalid-image', 'BMP: decoder stopped'));
        };
        const stop = (): void => {
          finish(false);
          reject(new MediaError('timed-out', 'BMP: decoder closed'));
        };
        const timer = setTimeout(
          () => {
            finish(false);
            reject(
              new MediaError(
                'timed-out',
                `BMP: decoding took longer than ${Math.ceil(timeoutMs)} ms`,
              ),
            );
          },
          Math.max(1, timeoutMs),
        );
        stops.add(stop);
        worker.addEventListener('message', onMessage);
        worker.addEventListener('error', onError);
        worker.addEventListener('close', onClose);
        // An exact copy is transferred: the caller keeps its bytes, and a view into a larger
        // buffer does not drag the whole buffer along.
        const copy = bytes.slice();
        const job: BmpJob = { bytes: copy, maxPixels };
        worker.postMessage(job, [copy.buffer]);
      });
    },
    get size() {
      return idle.length + busy.size;
    },
    close() {
      for (const stop of [...stops]) stop();
      for (const worker of idle.splice(0)) worker.terminate();
    },
  };
}

let shared: BmpPool | undefined;

/** The process's pool, created on first use. */
export function bmpPool(): BmpPool {
  shared ??= createBmpPool();
  return shared;
}
