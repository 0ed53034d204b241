// Finding and running ffmpeg/ffprobe safely: an argument array (never a shell), no stdin, a
// deadline that SIGKILLs the process, and bounded capture of its output.
import { resolve } from 'node:path';

/** The ffmpeg/ffprobe in use (README: Video), for the health check and diagnostics. */
export interface VideoTools {
  ffmpeg: string;
  ffprobe: string;
  /** ffmpeg's version as `-version` names it, e.g. `5.1.9-0+deb12u1`. */
  version: string;
  /** At least one of them is the old build bundled through npm: no maintained one was found. */
  bundled: boolean;
}

export interface VideoToolSettings {
  /** UPSHOT_FFMPEG_PATH / UPSHOT_FFPROBE_PATH, already checked by loadConfig. */
  ffmpegPath?: string | undefined;
  ffprobePath?: string | undefined;
  /** Where to look for `ffmpeg`/`ffprobe` when unset; default process.env.PATH. */
  PATH?: string;
  /** The bundled binaries, the last resort; default the optional installer packages. */
  loadBundled?: () => Promise<{ ffmpeg: string; ffprobe: string }>;
  /** Where the one warning about the bundled build goes; default console.warn. */
  warn?: (line: string) => void;
}

const INSTALL_HINT =
  'install a maintained build (Debian/Ubuntu: apt-get install ffmpeg) or set UPSHOT_FFMPEG_PATH and UPSHOT_FFPROBE_PATH';

/** The optional npm packages, imported only when no other ffmpeg is found. */
async function loadBundledTools(): Promise<{ ffmpeg: string; ffprobe: string }> {
  try {
    const [ffmpeg, ffprobe] = await Promise.all([
      import('@ffmpeg-installer/ffmpeg'),
      import('@ffprobe-installer/ffprobe'),
    ]);
    return { ffmpeg: ffmpeg.default.path, ffprobe: ffprobe.default.path };
  } catch {
    throw new Error(`ffmpeg and ffprobe are needed for videos: ${INSTALL_HINT}`);
  }
}

/** `-version`'s first line, e.g. `ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 ...`. */
async function versionLine(bin: string): Promise<string> {
  const result = await runTool(bin, ['-version'], {
    timeoutMs: 10_000,
    maxStdoutBytes: 1024 * 1024,
  });
  const line = new TextDecoder().decode(result.stdout).split('\n')[0]?.trim() ?? '';
  if (result.exitCode !== 0 || !/ version /.test(line)) {
    throw new Error(`${bin} -version did not run (exit ${result.exitCode}): ${INSTALL_HINT}`);
  }
  return line;
}

const versionOf = (line: string): string => /\sversion\s+(\S+)/.exec(line)?.[1] ?? 'unknown';

/**
 * Which binaries to run, each in this order: its setting, then PATH, then the bundled package.
 * Runs `ffmpeg -version` once; warns once when a bundled binary is used.
 */
export async function resolveVideoTools(settings: VideoToolSettings = {}): Promise<VideoTools> {
  const PATH = settings.PATH ?? process.env.PATH ?? '';
  let ffmpeg = settings.ffmpegPath ?? Bun.which('ffmpeg', { PATH });
  let ffprobe = settings.ffprobePath ?? Bun.which('ffprobe', { PATH });
  let bundled: string | undefined;
  if (!ffmpeg || !ffprobe) {
    const fallback = await (settings.loadBundled ?? loadBundledTools)();
    bundled = ffmpeg ? fallback.ffprobe : fallback.ffmpeg;
    ffmpeg ??= fallback.ffmpeg;
    ffprobe ??= fallback.ffprobe;
  }
  const version = versionOf(await versionLine(ffmpeg));
  if (bundled) {
    const line = await versionLine(bundled);
    const year = /Copyright \(c\) \d{4}-(\d{4})/.exec(line)?.[1];
    (settings.warn ?? console.warn)(
      `Upshot: using the bundled ${line.split(' ')[0]} ${versionOf(line)}${year ? ` (from ${year})` : ''}, ` +
        `which gets no security fixes, to read uploaded videos: ${INSTALL_HINT}`,
    );
  }
  return { ffmpeg, ffprobe, version, bundled: bundled !== undefined };
}

let configured: VideoToolSettings = {};
let resolving: Promise<VideoTools> | undefined;

/** Sets where the binaries come from (the server does this at start); resolution stays lazy. */
export function configureVideoTools(settings: VideoToolSettings): void {
  configured = settings;
  resolving = undefined;
}

/** The binaries in use, resolved at first use and kept; a failure is retried on the next call. */
export function videoTools(): Promise<VideoTools> {
  if (!resolving) {
    const attempt = resolveVideoTools(configured);
    resolving = attempt;
    attempt.catch(() => {
      if (resolving === attempt) resolving = undefined;
    });
  }
  return resolving;
}

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
