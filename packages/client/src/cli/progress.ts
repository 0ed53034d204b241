import { Presets, SingleBar } from 'cli-progress';
import type { UploadProgressEvent } from '../client.ts';

/** Where progress goes: a bar on a terminal, plain lines when piped, nothing with --quiet. */
export interface ProgressReporter {
  start(total: number): void;
  update(event: UploadProgressEvent, label: string): void;
  stop(): void;
}

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;

export function createReporter(stream: ProgressStream, quiet: boolean): ProgressReporter {
  if (quiet) return { start() {}, update() {}, stop() {} };
  if (stream.isTTY) return barReporter(stream);
  return lineReporter(stream);
}

function lineReporter(stream: ProgressStream): ProgressReporter {
  return {
    start() {},
    update(event, label) {
      const position = `[${event.type === 'success' || event.type === 'failure' ? event.completed : event.index + 1}/${event.total}]`;
      if (event.type === 'success') {
        stream.write(`${position} uploaded ${label} -> ${event.result.image.url}\n`);
      } else if (event.type === 'failure') {
        stream.write(`${position} failed ${label}: ${event.error.message}\n`);
      } else if (event.type === 'retry') {
        stream.write(
          `retrying ${label} in ${seconds(event.delayMs)} (attempt ${event.attempt} failed: ${event.error.message})\n`,
        );
      }
    },
    stop() {},
  };
}

function barReporter(stream: ProgressStream): ProgressReporter {
  const bar = new SingleBar(
    {
      stream: stream as NodeJS.WritableStream,
      format: 'Uploading {bar} {value}/{total} {status}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      barsize: 30,
    },
    Presets.shades_classic,
  );
  return {
    start(total) {
      bar.start(total, 0, { status: '' });
    },
    update(event, label) {
      if (event.type === 'start') bar.update({ status: label });
      else if (event.type === 'retry') {
        bar.update({ status: `${label}: retrying in ${seconds(event.delayMs)}` });
      } else bar.update(event.completed, { status: event.failed ? `${event.failed} failed` : '' });
    },
    stop() {
      bar.stop();
    },
  };
}
