/**
 * The production bundle that `bun run start` runs (README: Performance): the server and its
 * dependencies as one CommonJS file with Bun's bytecode beside it. It starts in about half
 * the time the sources take: no module graph to resolve and link, nothing left to parse.
 * The sources stay the truth: src/index.ts rebuilds the bundle when a file it was made
 * from has changed, and runs the sources when it cannot build it.
 *
 *   bun src/bundle.ts     builds it now (an install whose folder the server cannot write)
 */
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { PACKAGE_ROOT } from './paths.ts';

export const BUNDLE_DIR = join(PACKAGE_ROOT, 'dist', 'server');
const MANIFEST = 'inputs.json';
/** Dependencies change with the lockfile; their files are not checked one by one. */
const LOCKFILE = join(PACKAGE_ROOT, '..', '..', 'bun.lock');

/**
 * Loaded from node_modules when first used, as from the sources: native code, optional
 * packages, and what the server only imports when the work comes (media parsers, the
 * multipart reader, PostgreSQL, metrics), which would otherwise be loaded at every start.
 */
const EXTERNAL = [
  'sharp',
  '@ffmpeg-installer/*',
  '@ffprobe-installer/*',
  'file-type',
  'exifr',
  'htmlparser2',
  'pixelmatch',
  '@fastify/busboy',
  'postgres',
  'prom-client',
];

interface Manifest {
  /** Bytecode only loads in the Bun that made it. */
  bun: string;
  /** The bundle holds the sources' absolute paths (import.meta.dir): a moved copy rebuilds. */
  root: string;
  /** Every source file outside node_modules, and the lockfile: path → "mtime:size". */
  files: Record<string, string>;
}

/** The bundle of src/main.ts in `dir`; it exports `main`. */
export const bundleEntry = (dir: string = BUNDLE_DIR): string => join(dir, 'main.js');

/** "mtime:size", or "none" for a file that is not there (an install without the lockfile). */
const stamp = (path: string): string => {
  const stats = statSync(path, { throwIfNoEntry: false });
  return stats ? `${stats.mtimeMs}:${stats.size}` : 'none';
};

const bunVersion = () => `${Bun.version}+${Bun.revision}`;

/** Whether the bundle exists and was built by this Bun, here, from the files as they are now. */
export function bundleIsCurrent(dir: string = BUNDLE_DIR): boolean {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Manifest;
    if (manifest.bun !== bunVersion() || manifest.root !== PACKAGE_ROOT) return false;
    for (const [path, expected] of Object.entries(manifest.files)) {
      if (stamp(path) !== expected) return false;
    }
    statSync(bundleEntry(dir));
    return true;
  } catch {
    return false;
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Folders that builds killed midway left beside `dir` (their process is gone). */
function removeLeftovers(dir: string): void {
  const prefix = `${basename(dir)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(dir));
  } catch {
    return;
  }
  for (const name of names) {
    const match = /^(\d+)\.(building|old)$/.exec(name.slice(prefix.length));
    if (name.startsWith(prefix) && match && !alive(Number(match[1]))) {
      rmSync(join(dirname(dir), name), { recursive: true, force: true });
    }
  }
}

/**
 * Builds the bundle into a folder of its own, then moves it into place, so a server
 * starting at the same moment finds the old bundle, the new one, or none (and then runs
 * the sources), never half of one.
 */
export async function buildBundle(dir: string = BUNDLE_DIR): Promise<void> {
  removeLeftovers(dir);
  const building = `${dir}.${process.pid}.building`;
  const replaced = `${dir}.${process.pid}.old`;
  try {
    const startedAt = Date.now();
    const result = await Bun.build({
      entrypoints: [join(PACKAGE_ROOT, 'src', 'main.ts')],
      outdir: building,
      target: 'bun',
      format: 'cjs',
      bytecode: true,
      // Names stay as written, so stack traces still read.
      minify: { whitespace: true, syntax: true },
      external: EXTERNAL,
      metafile: true,
    });
    if (!result.success || !result.metafile) {
      throw new Error(result.logs.map((log) => String(log)).join('\n') || 'the build failed');
    }
    const files: Record<string, string> = { [LOCKFILE]: stamp(LOCKFILE) };
    for (const input of Object.keys(result.metafile.inputs)) {
      const path = resolve(input);
      if (!path.includes('/node_modules/')) files[path] = stamp(path);
    }
    // A file saved while the build read it may not be in the bundle: without a manifest
    // the bundle counts as stale, and the next start builds again.
    if (Object.values(files).every((s) => s === 'none' || Number(s.split(':')[0]) < startedAt)) {
      const manifest: Manifest = { bun: bunVersion(), root: PACKAGE_ROOT, files };
      writeFileSync(join(building, MANIFEST), JSON.stringify(manifest));
    }
    try {
      renameSync(dir, replaced);
    } catch {}
    renameSync(building, dir);
  } finally {
    rmSync(building, { recursive: true, force: true });
    rmSync(replaced, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  await buildBundle();
  console.log(`Upshot: production bundle built in ${BUNDLE_DIR}`);
}
