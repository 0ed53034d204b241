import * as core from '@actions/core';

export type CommentMode = 'update' | 'new' | 'off';
export type IfNoFilesFound = 'warn' | 'error' | 'ignore';
export type CompareMode = 'auto' | 'off';

/** Everything the action reads from `with:`, parsed and checked once. */
export interface Inputs {
  serverUrl: string;
  /** Empty on fork pull requests (secrets are not passed to them): uploads are skipped. */
  apiKey: string;
  /** One glob a line; a line starting with `!` excludes. */
  patterns: string[];
  albumId: string;
  expiration: string;
  titleTemplate: string;
  comment: CommentMode;
  commentHeader: string;
  commentTitle: string;
  columns: number;
  /** Images past this many go into a `<details>` block; 0 never collapses. */
  collapseAfter: number;
  ifNoFilesFound: IfNoFilesFound;
  failOnUploadError: boolean;
  concurrency: number;
  githubToken: string;
  /** The branch whose latest baseline a pull request is compared with; '' is the pull request's base. */
  baselineBranch: string;
  /** auto: a run on a branch records its baseline, a pull request run compares; off: uploads only. */
  compare: CompareMode;
  /** pixelmatch's per-pixel colour tolerance, 0 to 1. */
  threshold: number;
  failOnChange: boolean;
  /** What the baselines belong to: `<owner>/<repo>#<comment-header>` unless given. */
  project: string;
}

/**
 * The defaults of action.yml. The runner fills them in before the action starts; they are
 * repeated here so the action behaves the same when an input arrives empty, and a test keeps
 * the two in step.
 */
export const INPUT_DEFAULTS = {
  'api-key': '',
  'album-id': '',
  expiration: '',
  'title-template': '{name}',
  comment: 'update',
  'comment-header': 'screenshots',
  'comment-title': 'Screenshots',
  columns: '3',
  'collapse-after': '12',
  'if-no-files-found': 'warn',
  'fail-on-upload-error': 'true',
  concurrency: '4',
  'baseline-branch': '',
  compare: 'auto',
  threshold: '0.1',
  'fail-on-change': 'false',
  project: '',
} as const;

function input(name: string, fallback = ''): string {
  return core.getInput(name) || fallback;
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`Input ${name} must be one of ${allowed.join(', ')}; got "${value}"`);
}

function integer(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new Error(`Input ${name} must be an integer from ${min} to ${max}; got "${value}"`);
  }
  return n;
}

function fraction(name: string, value: string): number {
  const n = Number(value);
  if (!/^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(value) || n > 1) {
    throw new Error(`Input ${name} must be a number from 0 to 1; got "${value}"`);
  }
  return n;
}

/** API paths people paste as the server URL, and what they mean. */
const API_SUFFIX = /\/(api\/1(\.1)?(\/upload)?|1\/upload)\/?$/i;

/**
 * The server's base URL. The API lives under it (`/api/1/upload`, `/api/1/compare`): a full
 * API URL pasted as server-url would otherwise end in a bare 404, so its API path is cut off
 * with a warning.
 */
export function baseUrlOf(given: string): string {
  const trimmed = given.trim().replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(trimmed);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
  } catch {
    throw new Error(
      `Input server-url must be the http(s) address of the server, such as https://img.example.com; got "${given}"`,
    );
  }
  if (url.search || url.hash) {
    throw new Error(
      `Input server-url must be the server's base address without a query or fragment; got "${given}"`,
    );
  }
  const base = `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  if (API_SUFFIX.test(url.pathname)) {
    const fixed = base.replace(API_SUFFIX, '');
    core.warning(
      `Input server-url is the base address of the server, not its API: using ${fixed} (the action adds /api/1/upload itself).`,
    );
    return fixed;
  }
  return base;
}

function boolean(name: string, value: string): boolean {
  // The YAML 1.2 core schema booleans, as core.getBooleanInput accepts them.
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new Error(`Input ${name} must be true or false; got "${value}"`);
}

export function getInputs(): Inputs {
  // Mask the secrets before anything else can print them.
  const apiKey = input('api-key');
  if (apiKey) core.setSecret(apiKey);
  const githubToken = input('github-token');
  if (githubToken) core.setSecret(githubToken);

  const serverUrl = baseUrlOf(core.getInput('server-url', { required: true }));

  const patterns = core
    .getMultilineInput('path', { required: true })
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (patterns.length === 0) throw new Error('Input path has no patterns');

  const commentHeader = input('comment-header', INPUT_DEFAULTS['comment-header']);

  return {
    serverUrl,
    apiKey,
    patterns,
    albumId: input('album-id'),
    expiration: input('expiration'),
    titleTemplate: input('title-template', INPUT_DEFAULTS['title-template']),
    comment: oneOf('comment', input('comment', INPUT_DEFAULTS.comment), [
      'update',
      'new',
      'off',
    ] as const),
    commentHeader,
    commentTitle: input('comment-title', INPUT_DEFAULTS['comment-title']),
    columns: integer('columns', input('columns', INPUT_DEFAULTS.columns), 1, 10),
    collapseAfter: integer(
      'collapse-after',
      input('collapse-after', INPUT_DEFAULTS['collapse-after']),
      0,
      10_000,
    ),
    ifNoFilesFound: oneOf(
      'if-no-files-found',
      input('if-no-files-found', INPUT_DEFAULTS['if-no-files-found']),
      ['warn', 'error', 'ignore'] as const,
    ),
    failOnUploadError: boolean(
      'fail-on-upload-error',
      input('fail-on-upload-error', INPUT_DEFAULTS['fail-on-upload-error']),
    ),
    concurrency: integer('concurrency', input('concurrency', INPUT_DEFAULTS.concurrency), 1, 32),
    githubToken,
    baselineBranch: input('baseline-branch').trim(),
    compare: oneOf('compare', input('compare', INPUT_DEFAULTS.compare), ['auto', 'off'] as const),
    threshold: fraction('threshold', input('threshold', INPUT_DEFAULTS.threshold)),
    failOnChange: boolean(
      'fail-on-change',
      input('fail-on-change', INPUT_DEFAULTS['fail-on-change']),
    ),
    project:
      input('project').trim() ||
      `${process.env.GITHUB_REPOSITORY ?? 'local'}#${commentHeader}`.slice(0, 200),
  };
}
