// Build artifacts (README: Build artifacts): with UPSHOT_FILE_UPLOADS on, a file whose bytes
// are no image or video we take, but whose name has an allowed extension, is stored as it
// is. It is never processed, never rendered: it is served as a download (routes/files.ts).
import type { Config } from '../../config.ts';
import { MediaError } from '../../media/errors.ts';
import type { SniffedType } from '../../media/sniff.ts';

/** The served type of an artifact, by its last extension; anything else is plain bytes. */
const MIME: Record<string, string> = {
  zip: 'application/zip',
  json: 'application/json',
  txt: 'text/plain; charset=utf-8',
  log: 'text/plain; charset=utf-8',
  pdf: 'application/pdf',
  gz: 'application/gzip',
  html: 'text/plain; charset=utf-8',
  xml: 'text/plain; charset=utf-8',
};

/** The allowed extension the file name ends with (the longest: `trace.zip` before `zip`). */
export function allowedExtension(config: Config, filename: string): string | null {
  const name = (filename.split(/[/\\]/).pop() ?? '').toLowerCase();
  let best: string | null = null;
  for (const ext of config.fileExtensions) {
    if (name.length > ext.length + 1 && name.endsWith(`.${ext}`)) {
      if (best === null || ext.length > best.length) best = ext;
    }
  }
  return best;
}

/**
 * What a refused sniff becomes when artifacts are allowed: a 'file' with the name's last
 * extension, or null (the refusal stands). Only "not a type we take" is turned into a
 * file; a broken image stays a broken image.
 */
export function artifactType(error: unknown, config: Config, filename: string): SniffedType | null {
  if (!config.fileUploads || !(error instanceof MediaError)) return null;
  if (error.reason !== 'unknown-type' && error.reason !== 'unsupported-type') return null;
  const allowed = allowedExtension(config, filename);
  if (allowed === null) return null;
  const extension = allowed.split('.').pop() ?? allowed;
  return { kind: 'file', mime: MIME[extension] ?? 'application/octet-stream', extension };
}
