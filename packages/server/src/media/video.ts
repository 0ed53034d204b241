// Video uploads: probe the clip, check it is whole, take a poster frame from inside it and
// make the JPEG variants (frame, 320x320 thumb, 500-wide medium) from that one decode.
// Everything runs ffmpeg/ffprobe (as videoTools() resolves them) through `runTool` (argv array,
// forced demuxer, file-only protocol, deadline); nothing here blocks the event loop.
import { open, stat } from 'node:fs/promises';
import { MediaError } from './errors.ts';
import {
  containerFor,
  inputArgs,
  type RunResult,
  runTool,
  type VideoContainer,
  videoTools,
} from './ffmpeg.ts';
import type { EncodedFile } from './image.ts';
import sharp from './sharp.ts';
import type { SniffedType } from './sniff.ts';

export type { EncodedFile };

export interface ProcessVideoInput {
  /** The uploaded bytes, already written to a temp file by the caller. */
  path: string;
  type: SniffedType;
  /** Deadline for all the work on this clip (default 30 s); past it the processes are killed. */
  timeoutMs?: number;
  /** Refuse frames larger than this (default 100 megapixels) before decoding anything. */
  maxPixels?: number;
}

export interface ProcessedVideo {
  /** As displayed (after the container's rotation). */
  width: number;
  height: number;
  /** Whole seconds, at least 1. */
  duration: number;
  /** JPEG poster taken from inside the clip. */
  frame: EncodedFile;
  /** JPEG 320x320 cover crop of the frame (smaller on a side where the frame is). */
  thumb: EncodedFile;
  /** JPEG 500 px wide, when the frame is wider than 500. */
  medium: EncodedFile | null;
}

export interface VideoProbe {
  container: VideoContainer;
  /** The stream the frame is taken from: the first video stream that is not cover art. */
  streamIndex: number;
  codec: string;
  /** Coded size as ffprobe reports it (before any rotation). */
  codedWidth: number;
  codedHeight: number;
  /** Seconds, when the container or the stream declares it. */
  duration: number | null;
  /** Seconds the video stream itself declares, when it does. */
  videoDuration: number | null;
}

export interface ProbeOptions {
  timeoutMs?: number;
}

export const DEFAULT_VIDEO_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_PIXELS = 100_000_000;
const THUMB_SIZE = 320;
const MEDIUM_WIDTH = 500;
const JPEG_QUALITY = 90;
const PROBE_OUTPUT_LIMIT = 2 * 1024 * 1024;
const PROGRESS_OUTPUT_LIMIT = 4 * 1024 * 1024;

function invalid(message: string): MediaError {
  return new MediaError('invalid-video', message);
}

function failure(tool: string, result: RunResult): MediaError {
  if (result.timedOut) return invalid(`${tool} timed out`);
  if (result.stdoutOverflow) return invalid(`${tool} produced too much output`);
  const lastLine = result.stderr.trim().split('\n').pop()?.trim();
  return invalid(`${tool} refused the clip${lastLine ? `: ${lastLine}` : ''}`);
}

function containerOf(type: SniffedType): VideoContainer {
  const container = type.kind === 'video' ? containerFor(type.extension) : null;
  if (!container) throw new MediaError('unsupported-type', `not a video type: ${type.mime}`);
  return container;
}

function seconds(value: unknown): number | null {
  const n = typeof value === 'string' ? Number.parseFloat(value) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n : null;
}

interface ProbeJson {
  streams?: Array<{
    index?: number;
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    duration?: string;
    disposition?: { attached_pic?: number };
  }>;
  format?: { duration?: string };
}

/** ffprobe with the forced demuxer; throws MediaError('invalid-video') when it refuses the file. */
export async function probeVideo(
  path: string,
  type: SniffedType,
  options: ProbeOptions = {},
): Promise<VideoProbe> {
  const container = containerOf(type);
  const result = await runTool(
    (await videoTools()).ffprobe,
    [
      '-hide_banner',
      '-v',
      'error',
      ...inputArgs(path, container),
      '-show_entries',
      'format=duration:stream=index,codec_type,codec_name,width,height,duration:stream_disposition=attached_pic',
      '-of',
      'json',
    ],
    {
      timeoutMs: options.timeoutMs ?? DEFAULT_VIDEO_TIMEOUT_MS,
      maxStdoutBytes: PROBE_OUTPUT_LIMIT,
    },
  );
  if (result.exitCode !== 0 || result.timedOut || result.stdoutOverflow) {
    throw failure('ffprobe', result);
  }
  let json: ProbeJson;
  try {
    json = JSON.parse(new TextDecoder().decode(result.stdout)) as ProbeJson;
  } catch {
    throw invalid('ffprobe output is not JSON');
  }
  const stream = json.streams?.find(
    (s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1,
  );
  if (!stream || typeof stream.index !== 'number') throw invalid('no video stream');
  const { width, height } = stream;
  if (!width || !height || width <= 0 || height <= 0) throw invalid('video stream has no size');
  const videoDuration = seconds(stream.duration);
  return {
    container,
    streamIndex: stream.index,
    codec: stream.codec_name ?? 'unknown',
    codedWidth: width,
    codedHeight: height,
    duration: seconds(json.format?.duration) ?? videoDuration,
    videoDuration,
  };
}

/**
 * Checks that the container's top-level structure fits in the file: a cut-off upload
 * often still probes (its index is at the front) and even yields a first frame.
 * MP4/QuickTime: every top-level box must end inside the file. WebM/Matroska: the
 * Segment, when its size is declared, must end inside the file.
 */
export async function checkContainerComplete(
  path: string,
  container: VideoContainer,
): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const read = async (position: number, length: number): Promise<Uint8Array> => {
      const buffer = new Uint8Array(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      return buffer.subarray(0, bytesRead);
    };
    if (container === 'mov') await checkBoxes(read, size);
    else await checkSegment(read, size);
  } finally {
    await handle.close();
  }
}

type Reader = (position: number, length: number) => Promise<Uint8Array>;

const FOURCC = /^[a-zA-Z0-9 ©_-]{4}$/;

async function checkBoxes(read: Reader, fileSize: number): Promise<void> {
  let offset = 0;
  for (let count = 0; offset + 8 <= fileSize && count < 100_000; count++) {
    const header = await read(offset, 16);
    const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
    const type = String.fromCharCode(...header.subarray(4, 8));
    if (!FOURCC.test(type)) return; // trailing bytes that are not a box: leave them
    let boxSize = view.getUint32(0);
    if (boxSize === 0) return; // "to the end of the file"
    if (boxSize === 1) {
      if (header.byteLength < 16) throw invalid(`truncated ${type} box header`);
      boxSize = Number(view.getBigUint64(8));
    }
    if (boxSize < 8) throw invalid(`malformed ${type} box`);
    if (offset + boxSize > fileSize) {
      throw invalid(`truncated file: ${type} box ends past the end of the upload`);
    }
    offset += boxSize;
  }
}

function readVint(
  bytes: Uint8Array,
  at: number,
): { value: number; length: number; unknown: boolean } | null {
  const first = bytes[at];
  if (first === undefined || first === 0) return null;
  const length = Math.clz32(first) - 23; // leading zero bits of the byte, plus one
  if (at + length > bytes.byteLength) return null;
  let value = first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    const b = bytes[at + i] ?? 0;
    value = value * 256 + b;
    allOnes &&= b === 0xff;
  }
  return { value, length, unknown: allOnes };
}

function readId(bytes: Uint8Array, at: number): { id: number; length: number } | null {
  const first = bytes[at];
  if (first === undefined || first === 0) return null;
  const length = Math.clz32(first) - 23;
  if (length > 4 || at + length > bytes.byteLength) return null;
  let id = 0;
  for (let i = 0; i < length; i++) id = id * 256 + (bytes[at + i] ?? 0);
  return { id, length };
}

const EBML_ID = 0x1a45dfa3;
const SEGMENT_ID = 0x18538067;

async function checkSegment(read: Reader, fileSize: number): Promise<void> {
  const head = await read(0, 64);
  const ebml = readId(head, 0);
  if (!ebml || ebml.id !== EBML_ID) return; // the demuxer accepted it; nothing to measure
  const ebmlSize = readVint(head, ebml.length);
  if (!ebmlSize || ebmlSize.unknown) return;
  const segmentAt = ebml.length + ebmlSize.length + ebmlSize.value;
  const segmentHead = await read(segmentAt, 12);
  const segment = readId(segmentHead, 0);
  if (!segment || segment.id !== SEGMENT_ID) return;
  const segmentSize = readVint(segmentHead, segment.length);
  if (!segmentSize || segmentSize.unknown) return; // live/streamed WebM: size not declared
  const end = segmentAt + segment.length + segmentSize.length + segmentSize.value;
  if (end > fileSize)
    throw invalid('truncated file: the WebM segment ends past the end of the upload');
}

/** Where to take the poster: 10% in, so not a fade-in's black first frame; 0 for clips under 1 s. */
export function posterTime(duration: number | null): number {
  if (!duration || duration < 1) return 0;
  return duration * 0.1;
}

async function extractFramePng(
  path: string,
  probe: VideoProbe,
  at: number,
  timeoutMs: number,
): Promise<Uint8Array | null> {
  const result = await runTool(
    (await videoTools()).ffmpeg,
    [
      '-nostdin',
      '-hide_banner',
      '-v',
      'error',
      ...(at > 0 ? ['-ss', at.toFixed(3)] : []),
      ...inputArgs(path, probe.container),
      '-map',
      `0:${probe.streamIndex}`,
      '-an',
      '-sn',
      '-dn',
      '-frames:v',
      '1',
      '-pix_fmt',
      'rgb24',
      '-c:v',
      'png',
      '-compression_level',
      '1',
      '-f',
      'image2pipe',
      'pipe:1',
    ],
    {
      timeoutMs,
      // An uncompressed RGB frame, rotation or not, plus PNG overhead.
      maxStdoutBytes: probe.codedWidth * probe.codedHeight * 3 * 1.05 + 1024 * 1024,
    },
  );
  if (result.timedOut || result.stdoutOverflow) throw failure('ffmpeg', result);
  if (result.exitCode !== 0 || result.stdout.byteLength === 0) return null;
  return result.stdout;
}

/** Demuxes the whole video stream (no decoding) to find where it ends, for clips that don't say. */
async function measureDuration(
  path: string,
  probe: VideoProbe,
  timeoutMs: number,
): Promise<number | null> {
  const result = await runTool(
    (await videoTools()).ffmpeg,
    [
      '-nostdin',
      '-hide_banner',
      '-v',
      'error',
      ...inputArgs(path, probe.container),
      '-map',
      `0:${probe.streamIndex}`,
      '-c',
      'copy',
      '-f',
      'null',
      '-',
      '-nostats',
      '-progress',
      'pipe:1',
    ],
    { timeoutMs, maxStdoutBytes: PROGRESS_OUTPUT_LIMIT },
  );
  if (result.timedOut || result.stdoutOverflow) throw failure('ffmpeg', result);
  const text = new TextDecoder().decode(result.stdout);
  const matches = [...text.matchAll(/^out_time_(?:us|ms)=(\d+)$/gm)];
  const last = matches.at(-1)?.[1];
  const micros = last ? Number(last) : 0;
  return micros > 0 ? micros / 1e6 : null;
}

function remaining(deadline: number): number {
  const left = deadline - Date.now();
  if (left <= 0) throw invalid('video processing timed out');
  return left;
}

/**
 * Probes the clip, checks it is complete, takes the poster frame and makes the variants.
 * Throws MediaError('invalid-video') for anything corrupt, truncated, undecodable,
 * disguised (playlists, concat scripts) or too slow; 'too-many-pixels' for huge frames.
 */
export async function processVideo(input: ProcessVideoInput): Promise<ProcessedVideo> {
  const timeoutMs = input.timeoutMs ?? DEFAULT_VIDEO_TIMEOUT_MS;
  const maxPixels = input.maxPixels ?? DEFAULT_MAX_PIXELS;
  const deadline = Date.now() + timeoutMs;
  const container = containerOf(input.type);

  const { size } = await stat(input.path);
  if (size === 0) throw invalid('empty file');

  const probe = await probeVideo(input.path, input.type, { timeoutMs: remaining(deadline) });
  if (probe.codedWidth * probe.codedHeight > maxPixels) {
    throw new MediaError(
      'too-many-pixels',
      `${probe.codedWidth}x${probe.codedHeight} is over ${maxPixels} pixels`,
    );
  }
  await checkContainerComplete(input.path, container);

  const [duration, png] = await Promise.all([
    probe.duration ?? measureDuration(input.path, probe, remaining(deadline)),
    (async () => {
      const at = posterTime(probe.videoDuration ?? probe.duration);
      const inside = await extractFramePng(input.path, probe, at, remaining(deadline));
      // Seeking can land past the last decodable frame (a short video stream under a
      // longer audio track, a damaged tail): fall back to the first decodable frame.
      if (inside || at === 0) return inside;
      return extractFramePng(input.path, probe, 0, remaining(deadline));
    })(),
  ]);
  if (!png) throw invalid('no decodable video frame');
  if (!duration) throw invalid('the clip has no duration');

  return { ...(await makeVariants(png, maxPixels)), duration: Math.max(1, Math.round(duration)) };
}

async function encodeJpeg(image: sharp.Sharp): Promise<EncodedFile> {
  const { data, info } = await image
    .jpeg({ quality: JPEG_QUALITY, mozjpeg: false })
    .toBuffer({ resolveWithObject: true });
  return {
    bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    mime: 'image/jpeg',
    extension: 'jpeg',
    width: info.width,
    height: info.height,
  };
}

/** One decode of ffmpeg's PNG feeds the frame, thumb and medium JPEGs. */
async function makeVariants(
  png: Uint8Array,
  maxPixels: number,
): Promise<Omit<ProcessedVideo, 'duration'>> {
  let base: sharp.Sharp;
  let width: number;
  let height: number;
  try {
    base = sharp(png, { limitInputPixels: maxPixels, failOn: 'error' });
    const meta = await base.metadata();
    if (!meta.width || !meta.height) throw new Error('frame has no size');
    width = meta.width;
    height = meta.height;
  } catch (cause) {
    throw invalid(`undecodable frame: ${(cause as Error).message}`);
  }
  const [frame, thumb, medium] = await Promise.all([
    encodeJpeg(base.clone()),
    // A cover crop that never enlarges: a small frame's thumb is no bigger than the frame.
    encodeJpeg(
      base.clone().resize(Math.min(THUMB_SIZE, width), Math.min(THUMB_SIZE, height), {
        fit: 'cover',
        position: 'centre',
      }),
    ),
    width > MEDIUM_WIDTH ? encodeJpeg(base.clone().resize({ width: MEDIUM_WIDTH })) : null,
  ]);
  return { width, height, frame, thumb, medium };
}
