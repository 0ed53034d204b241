// Upload forms (multipart or urlencoded) parsed as they stream in, with busboy. A file
// stays in memory while it is small; past a threshold it continues into a temp file, so
// a 90 MB video never sits in memory, and its md5 is computed on the way in either way.
// In memory, each chunk is copied as it arrives into one buffer from a pool
// (buffer-pool.ts), which goes back to the pool when the form is cleaned up.

import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type BusboyFactory from '@fastify/busboy';
import { md5Hasher, randomText } from '../crypto.ts';
import { type BodyLimits, BodyTooLargeError, bodyChunks } from './body.ts';
import { type BufferPool, createBufferPool } from './buffer-pool.ts';

/** A file part as received: in memory (`bytes`) or in a temp file (`path`). */
export interface ReceivedFile {
  filename: string;
  /** The client's declared type; never trusted for anything but logging. */
  mimeType: string;
  size: number;
  md5: string;
  bytes: Uint8Array | null;
  path: string | null;
}

export const isReceivedFile = (value: unknown): value is ReceivedFile =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as ReceivedFile).md5 === 'string' &&
  typeof (value as ReceivedFile).size === 'number';

export interface ReceivedForm {
  /** Text fields, the first value of each name. */
  fields: Record<string, string>;
  /** The first file of each field name that is kept (see FormOptions.fileFields). */
  files: Record<string, ReceivedFile>;
  /**
   * Removes any temp file left and gives the files' memory back (call it when the request
   * is done, whatever happened): the files' `bytes` must not be used after it.
   */
  cleanup(): Promise<void>;
}

export interface FormOptions extends BodyLimits {
  /** Field names whose files are kept; other files are read and dropped. */
  fileFields: readonly string[];
  /** Largest text field, in bytes (a base64 source is a text field). */
  maxFieldBytes: number;
  /** Bytes a file may hold in memory before it continues into a temp file. */
  memoryThreshold: number;
  /**
   * Memory shared by every upload being received: when it is spent, files go to disk
   * from their first byte, so many slow clients cannot fill the server's memory.
   */
  memoryBudget?: MemoryBudget;
  /** Where in-memory files get their buffer (default: fresh memory each time). */
  bufferPool?: BufferPool;
  tempDir: string;
  /** Start of temp file names: the instance's, so a restart can tell its leftovers. */
  tempPrefix: string;
  /** Called for each text field as it arrives (a `key` field may raise the size limit). */
  onField?: (name: string, value: string) => void | Promise<void>;
}

/** busboy, loaded with the first form rather than at start (README: Performance). */
let busboyModule: Promise<typeof BusboyFactory> | null = null;
const loadBusboy = () => {
  busboyModule ??= import('@fastify/busboy').then((module) => module.default);
  return busboyModule;
};

/** Fewer parts than this is every honest upload form; more is refused. */
const MAX_PARTS = 64;

/** A count of bytes that uploads may hold in memory together. */
export interface MemoryBudget {
  /** Takes `bytes` if they fit; false (nothing taken) when they do not. */
  take(bytes: number): boolean;
  give(bytes: number): void;
  readonly used: number;
}

export function createMemoryBudget(limit: number): MemoryBudget {
  let used = 0;
  return {
    take(bytes) {
      if (used + bytes > limit) return false;
      used += bytes;
      return true;
    },
    give(bytes) {
      used = Math.max(0, used - bytes);
    },
    get used() {
      return used;
    },
  };
}

/** Without a pool: a fresh buffer each time, none kept. */
const FRESH_MEMORY = createBufferPool({ maxFreeBytes: 0 });

/** The first buffer of a body that did not say its length (it doubles as needed). */
const UNKNOWN_LENGTH_START = 256 * 1024;

export class FormError extends Error {
  override name = 'FormError';
}

interface FileSink {
  name: string;
  file: ReceivedFile;
  /** The bytes kept in memory: `buffer[0, kept)` (all of them until the file spills). */
  buffer: Uint8Array<ArrayBuffer> | null;
  kept: number;
  hash: Bun.CryptoHasher;
  handle: Awaited<ReturnType<typeof open>> | null;
  /** Writes to the temp file, one after another. */
  writing: Promise<void>;
}

export async function receiveForm(request: Request, options: FormOptions): Promise<ReceivedForm> {
  const contentType = request.headers.get('content-type') ?? '';
  const pool = options.bufferPool ?? FRESH_MEMORY;
  // The body's declared length bounds each file in it: one buffer of that size is enough.
  const declared = Number(request.headers.get('content-length'));
  const firstBuffer = Math.min(
    options.memoryThreshold,
    Number.isSafeInteger(declared) && declared > 0 ? declared : UNKNOWN_LENGTH_START,
  );
  const fields: Record<string, string> = {};
  const files: Record<string, ReceivedFile> = {};
  const temps: string[] = [];
  const sinks: FileSink[] = [];
  let failure: unknown = null;
  const fail = (error: unknown) => {
    failure ??= error;
  };

  /** Bytes this form holds of the shared memory budget. */
  let held = 0;
  const cleanup = async () => {
    options.memoryBudget?.give(held);
    held = 0;
    for (const sink of sinks) {
      if (sink.buffer) pool.give(sink.buffer);
      sink.buffer = null;
      sink.file.bytes = null;
    }
    await Promise.all(temps.map((path) => rm(path, { force: true })));
  };

  const Busboy = await loadBusboy();
  let busboy: ReturnType<typeof Busboy>;
  try {
    busboy = Busboy({
      headers: { 'content-type': contentType },
      limits: {
        parts: MAX_PARTS,
        fieldSize: options.maxFieldBytes,
        fieldNameSize: 200,
        headerPairs: 100,
      },
    });
  } catch (error) {
    throw new FormError(`unreadable form: ${(error as Error).message}`);
  }

  async function spill(sink: FileSink): Promise<void> {
    // What was in memory is on disk now: it goes back to the budget.
    const inMemory = sink.kept;
    if (options.memoryBudget) {
      options.memoryBudget.give(inMemory);
      held -= inMemory;
    }
    await mkdir(options.tempDir, { recursive: true });
    const path = join(options.tempDir, `${options.tempPrefix}-${randomText(12)}.upload`);
    temps.push(path);
    sink.file.path = path;
    sink.handle = await open(path, 'wx', 0o600);
    if (sink.buffer) {
      const buffer = sink.buffer;
      sink.buffer = null;
      await sink.handle.write(buffer.subarray(0, inMemory));
      pool.give(buffer);
    }
    sink.kept = 0;
  }

  /** Appends a chunk to the sink's buffer, moving to a bigger one when it is full. */
  function keep(sink: FileSink, chunk: Uint8Array): void {
    const at = sink.kept;
    const end = at + chunk.byteLength;
    let buffer = sink.buffer ?? pool.take(Math.max(firstBuffer, end));
    if (end > buffer.byteLength) {
      const bigger = pool.take(end);
      bigger.set(buffer.subarray(0, at));
      pool.give(buffer);
      buffer = bigger;
    }
    buffer.set(chunk, at);
    sink.buffer = buffer;
    sink.kept = end;
  }

  const fieldsDone: Promise<void>[] = [];
  busboy.on('field', (name, value, _nameTruncated, valueTruncated) => {
    if (valueTruncated) fail(new BodyTooLargeError(options.maxFieldBytes));
    if (!(name in fields)) fields[name] = value;
    if (options.onField) fieldsDone.push(Promise.resolve(options.onField(name, value)));
  });
  busboy.on('file', (name, stream, filename, _encoding, mimeType) => {
    if (!options.fileFields.includes(name) || name in files) {
      stream.on('error', () => {});
      stream.resume();
      return;
    }
    const file: ReceivedFile = {
      filename: filename ?? '',
      mimeType,
      size: 0,
      md5: '',
      bytes: null,
      path: null,
    };
    files[name] = file;
    const sink: FileSink = {
      name,
      file,
      buffer: null,
      kept: 0,
      hash: md5Hasher(),
      handle: null,
      writing: Promise.resolve(),
    };
    sinks.push(sink);
    stream.on('error', (error) => fail(new FormError(`unreadable form: ${String(error)}`)));
    stream.on('data', (chunk: Buffer) => {
      if (failure) return;
      file.size += chunk.byteLength;
      sink.hash.update(chunk);
      if (
        !sink.handle &&
        file.size <= options.memoryThreshold &&
        (options.memoryBudget?.take(chunk.byteLength) ?? true)
      ) {
        if (options.memoryBudget) held += chunk.byteLength;
        keep(sink, chunk);
        return;
      }
      // Past the threshold: the parser waits while each chunk reaches the disk.
      stream.pause();
      sink.writing = sink.writing
        .then(async () => {
          if (!sink.handle) await spill(sink);
          await sink.handle!.write(chunk);
        })
        .catch(fail)
        .finally(() => stream.resume());
    });
  });
  busboy.on('error', (error) => fail(new FormError(`unreadable form: ${String(error)}`)));
  busboy.on('partsLimit', () => fail(new FormError(`more than ${MAX_PARTS} form parts`)));
  const finished = new Promise<void>((resolve) => busboy.once('finish', resolve));

  try {
    for await (const chunk of bodyChunks(request, options)) {
      if (failure) break;
      if (!busboy.write(chunk)) {
        await new Promise<void>((resolve) => busboy.once('drain', resolve));
      }
    }
    if (!failure) {
      busboy.end();
      await Promise.race([
        finished,
        new Promise<void>((resolve) => busboy.once('error', () => resolve())),
      ]);
    }
    await Promise.all(sinks.map((sink) => sink.writing));
    await Promise.all(fieldsDone);
    if (failure) throw failure;
    for (const sink of sinks) {
      sink.file.md5 = sink.hash.digest('hex');
      if (sink.handle) {
        await sink.handle.close();
        sink.handle = null;
      } else {
        sink.file.bytes = sink.buffer?.subarray(0, sink.kept) ?? new Uint8Array(0);
      }
    }
    return { fields, files, cleanup };
  } catch (error) {
    await Promise.all(sinks.map((sink) => sink.handle?.close().catch(() => {})));
    await cleanup();
    throw error;
  }
}
