import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { isHttpUrl } from '../input.ts';

/** One thing to upload, as the command line named it. */
export type CliInput =
  /** `path` as the user wrote it or the glob matched it; `file` resolved against the cwd. */
  { kind: 'path'; path: string; file: string } | { kind: 'url'; url: string } | { kind: 'stdin' };

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Turns arguments into inputs: `-` is standard input, an http(s) URL is sent for the server
 * to fetch, an existing file is itself (even if its name has glob characters), a glob is
 * expanded (sorted; no match is an error). Every problem is collected before anything is
 * uploaded, so a typo never leaves half a batch online.
 */
export async function expandArguments(args: string[], cwd: string): Promise<CliInput[]> {
  const inputs: CliInput[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  const addPath = (path: string) => {
    const key = resolve(cwd, path);
    if (seen.has(key)) return;
    seen.add(key);
    inputs.push({ kind: 'path', path, file: key });
  };

  for (const arg of args) {
    if (arg === '-') {
      if (!inputs.some((input) => input.kind === 'stdin')) inputs.push({ kind: 'stdin' });
      continue;
    }
    if (isHttpUrl(arg)) {
      inputs.push({ kind: 'url', url: arg });
      continue;
    }
    const info = await stat(resolve(cwd, arg)).catch(() => null);
    if (info?.isFile()) {
      addPath(arg);
      continue;
    }
    if (info?.isDirectory()) {
      problems.push(`${arg} is a directory (to upload what is in it, use a glob: '${arg}/*')`);
      continue;
    }
    if (isDynamicPattern(arg)) {
      const matches = await glob(arg, {
        cwd,
        onlyFiles: true,
        expandDirectories: false,
        absolute: isAbsolute(arg),
      });
      if (matches.length === 0) problems.push(`No files match ${arg}`);
      for (const match of matches.sort()) addPath(match);
      continue;
    }
    problems.push(`File not found: ${arg}`);
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return inputs;
}
