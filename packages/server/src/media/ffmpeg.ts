// Running the bundled ffmpeg/ffprobe binaries safely: an argument array (never a shell),
// no stdin, a deadline that SIGKILLs the process, and bounded capture of its output.
import { resolve } from 'node:path';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import ffprobeInstaller from '@ffprobe-installer/ffprobe';

export const ffmpegPath: string = ffmpegInstaller.path;
export const ffprobePath: string = ffprobeInstaller.path;

export type VideoContainer = 'mov' | 'matroska';

/** The demuxer forced for a sniffed video extension: the mov demuxer reads MP4 and QuickTime. */
export function containerFor(extension: string): VideoContainer | null {
  switch (extension) {
    case 'mp4':
    case 'mov':
      return 'mov';
    case 'webm':
      return 'matroska';
    default:
      return null;
  }
}

/**
 * The input half of an ffmpeg/ffprobe command line: only the `file` protocol, a forced
 * demuxer (so a disguised playlist or concat script is never interpreted), the mov
 * demuxer's external data references off, and the path as an explicit `file:` URL so
 * that no name (`http:...`, `-i`, `a|b`) is taken for anything but a local file.
 */
export function inputArgs(path: string, container: VideoContainer): string[] {
  const demuxerOptions =
    container === 'mov' ? ['-enable_drefs', '0', '-use_absolute_path', '0'] : [];
  return [
    '-protocol_whitelist',
    'file',
    '-f',
    container,
    ...demuxerOptions,
    '-i',
    `file:${resolve(path)}`,
  ];
}

export interface RunOptions {
  /** Kill the process (SIGKILL) after this long. */
  timeoutMs: number;
  /** Keep at most this many bytes of stdout; more kills the process and sets `stdoutOverflow`. */
  maxStdoutBytes: number;
  /** Keep at most the last this-many bytes of stderr (default 64 KiB). */
  maxStderrBytes?: number;
}

export interface RunResult {
  exitCode: number | null;
  stdout: Uint8Array;
  /** The tail of stderr, decoded as UTF-8. */
  stderr: string;
  timedOut: boolean;
  stdoutOverflow: boolean;
}

/** Runs `bin` with `args` asynchronously. Never rejects for the tool's own failures. */
export async function runTool(
  bin: string,
  args: string[],
  options: RunOptions,
): Promise<RunResult> {
  const maxStderr = options.maxStderrBytes ?? 64 * 1024;
  const proc = Bun.spawn([bin, ...args], {
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    env: {},
  });
  let timedOut = false;
  let stdoutOverflow = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      proc.kill('SIGKILL');
    },
    Math.max(1, options.timeoutMs),
  );

  const readStdout = async (): Promise<Uint8Array> => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    await eachChunk(proc.stdout, (chunk) => {
      if (stdoutOverflow) return; // drain until the killed process closes the pipe
      if (size + chunk.byteLength > options.maxStdoutBytes) {
        stdoutOverflow = true;
        proc.kill('SIGKILL');
        return;
      }
      chunks.push(chunk);
      size += chunk.byteLength;
    });
    return concat(chunks, size);
  };
  const readStderrTail = async (): Promise<Uint8Array> => {
    let tail: Uint8Array = new Uint8Array(0);
    await eachChunk(proc.stderr, (chunk) => {
      const joined = concat([tail, chunk], tail.byteLength + chunk.byteLength);
      tail = joined.byteLength > maxStderr ? joined.slice(joined.byteLength - maxStderr) : joined;
    });
    return tail;
  };

  try {
    const [stdout, stderr, exitCode] = await Promise.all([
      readStdout(),
      readStderrTail(),
      proc.exited,
    ]);
    return {
      exitCode,
      stdout,
      stderr: new TextDecoder().decode(stderr),
      timedOut,
      stdoutOverflow,
    };
  } finally {
    clearTimeout(timer);
  }
}

async function eachChunk(
  stream: ReadableStream<Uint8Array>,
  onChunk: (chunk: Uint8Array) => void,
): Promise<void> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      onChunk(value);
    }
  } finally {
    reader.releaseLock();
  }
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
