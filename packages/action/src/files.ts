import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import * as glob from '@actions/glob';

export interface LocalFile {
  /** Absolute path on the runner. */
  absolute: string;
  /** Path relative to the workspace, with forward slashes: what people see. */
  relative: string;
  /** The last path segment. */
  name: string;
  size: number;
  /** md5 of the bytes, lowercase hex: what the sticky comment remembers. */
  md5: string;
  /**
   * The screenshot's name in a baseline: the path relative to the folder its pattern starts
   * from (`screenshots/**\/*.png` finds `screenshots/settings/dark.png` as `settings/dark.png`).
   */
  reviewName: string;
}

const GLOB_CHARS = /[*?[\]{}]/;

/**
 * The folder a pattern matches in: its path up to the first segment with a glob character;
 * a pattern without one names a folder (itself) or a file (its folder).
 */
async function baseOf(pattern: string): Promise<string> {
  const segments = pattern.split('/');
  const cut = segments.findIndex((segment) => GLOB_CHARS.test(segment));
  if (cut >= 0) return segments.slice(0, cut).join('/') || '/';
  const info = await stat(pattern).catch(() => null);
  return info?.isDirectory() ? pattern.replace(/\/+$/, '') : path.dirname(pattern);
}

/** Where relative globs start: the runner sets both to the checkout. */
export function workspaceDir(): string {
  return process.env.GITHUB_WORKSPACE || process.cwd();
}

/**
 * Files matched by the patterns (one a line, `!` lines exclude), sorted by their relative path so
 * the comment's order is stable from run to run. Directories are never returned; a pattern that
 * names a directory matches the files under it.
 */
export async function findFiles(patterns: string[], cwd = workspaceDir()): Promise<LocalFile[]> {
  const absolutePatterns = patterns.map((pattern) => {
    const negated = pattern.startsWith('!');
    const body = negated ? pattern.slice(1) : pattern;
    const resolved = path.isAbsolute(body) || body.startsWith('~') ? body : path.join(cwd, body);
    return (negated ? '!' : '') + resolved;
  });
  const globber = await glob.create(absolutePatterns.join('\n'), {
    matchDirectories: false,
    implicitDescendants: true,
    followSymbolicLinks: true,
  });
  const matched = [...new Set(await globber.glob())];
  const bases = await Promise.all(
    absolutePatterns.filter((p) => !p.startsWith('!')).map((p) => baseOf(path.normalize(p))),
  );
  const files: LocalFile[] = [];
  for (const absolute of matched) {
    const info = await stat(absolute);
    if (!info.isFile()) continue;
    const bytes = await readFile(absolute);
    const relative = path.relative(cwd, absolute).split(path.sep).join('/');
    const base = bases.find((b) => {
      const inside = path.relative(b, absolute);
      return !path.isAbsolute(inside) && inside !== '..' && !inside.startsWith(`..${path.sep}`);
    });
    files.push({
      reviewName: path
        .relative(base ?? cwd, absolute)
        .split(path.sep)
        .join('/'),
      absolute,
      relative: relative.startsWith('..') ? absolute : relative,
      name: path.basename(absolute),
      size: info.size,
      md5: createHash('md5').update(bytes).digest('hex'),
    });
  }
  return files.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
}

/** `{name}`, `{stem}`, `{path}`, `{dir}` from the file; `{sha}`, `{run}` from the run. */
export function renderTitle(template: string, file: LocalFile): string {
  const ext = path.extname(file.name);
  const dir = path.posix.dirname(file.relative);
  const values: Record<string, string> = {
    name: file.name,
    stem: ext ? file.name.slice(0, -ext.length) : file.name,
    path: file.relative,
    dir: dir === '.' ? '' : dir,
    sha: (process.env.GITHUB_SHA ?? '').slice(0, 7),
    run: process.env.GITHUB_RUN_NUMBER ?? '',
  };
  return template
    .replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole)
    .trim()
    .slice(0, 100);
}
