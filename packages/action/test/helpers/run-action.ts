import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ACTION_DIR = path.resolve(import.meta.dir, '../..');
export const DIST = path.join(ACTION_DIR, 'dist/index.js');

/**
 * The Node that runs the bundle: plain `node` from PATH (never Bun's shim), or the one named by
 * UPSHOT_TEST_NODE (say, a Node 24 binary, as the runner's `node24`).
 */
export function nodeBinary(): string {
  const chosen = process.env.UPSHOT_TEST_NODE || Bun.which('node');
  if (!chosen) throw new Error('node is not on PATH: the action must be tested under plain Node');
  return chosen;
}

interface ActionYml {
  inputs: Record<string, { default?: string; required?: boolean }>;
}

/** action.yml's inputs, to fill in defaults as the runner does. */
export function actionYml(): ActionYml & Record<string, unknown> {
  return Bun.YAML.parse(readFileSync(path.join(ACTION_DIR, 'action.yml'), 'utf8')) as ActionYml &
    Record<string, unknown>;
}

export interface RunOptions {
  /** Inputs by their action.yml names (`server-url`); the others get action.yml's defaults. */
  inputs: Record<string, string>;
  eventName: string;
  event: unknown;
  /** GITHUB_API_URL, the fake's base (with a prefix for Enterprise). */
  apiUrl: string;
  /** What `${{ github.token }}` resolves to. */
  token: string;
  workspace: string;
  repository?: string;
  serverUrl?: string;
  sha?: string;
  runId?: string;
  env?: Record<string, string>;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** `::add-mask::` values the action asked the runner to hide. */
  masked: string[];
  /** stdout without the `::add-mask::` commands: what the log shows (before masking). */
  visibleLog: string;
}

/** The file-command format of GITHUB_OUTPUT: `name<<delimiter\nvalue\ndelimiter\n`. */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] as string);
      out[name] = value.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

/** Runs the committed `dist/index.js` with plain Node in a fresh environment, as the runner does. */
export async function runAction(options: RunOptions): Promise<RunResult> {
  const runnerTemp = mkdtempSync(path.join(tmpdir(), 'upshot-runner-'));
  const files = path.join(runnerTemp, '_runner_file_commands');
  mkdirSync(files);
  const id = randomUUID();
  const eventPath = path.join(runnerTemp, '_github_workflow', 'event.json');
  mkdirSync(path.dirname(eventPath));
  writeFileSync(eventPath, JSON.stringify(options.event, null, 2));
  const output = path.join(files, `set_output_${id}`);
  const summary = path.join(files, `step_summary_${id}`);
  for (const f of [output, summary]) writeFileSync(f, '');

  const repository = options.repository ?? 'acme/webapp';
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? runnerTemp,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTION: '__acme_upshot',
    GITHUB_ACTION_PATH: ACTION_DIR,
    GITHUB_ACTOR: 'octocat',
    GITHUB_API_URL: options.apiUrl,
    GITHUB_GRAPHQL_URL: `${options.apiUrl}/graphql`,
    GITHUB_SERVER_URL: options.serverUrl ?? 'https://github.com',
    GITHUB_EVENT_NAME: options.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_JOB: 'screenshots',
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_REF: 'refs/pull/42/merge',
    GITHUB_REPOSITORY: repository,
    GITHUB_REPOSITORY_OWNER: repository.split('/')[0] as string,
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_RUN_ID: options.runId ?? '7000000001',
    GITHUB_RUN_NUMBER: '17',
    GITHUB_SHA: options.sha ?? 'a'.repeat(40),
    GITHUB_WORKFLOW: 'e2e',
    GITHUB_WORKSPACE: options.workspace,
    RUNNER_ARCH: 'X64',
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: runnerTemp,
    ...options.env,
  };
  // Every input is set, with action.yml's default when the workflow gives none: the runner does
  // that, keeping hyphens and upper-casing the name.
  for (const [name, spec] of Object.entries(actionYml().inputs)) {
    const given = options.inputs[name] ?? spec.default ?? '';
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = given.replace(
      /\$\{\{\s*github\.token\s*\}\}/g,
      options.token,
    );
  }
  for (const name of Object.keys(options.inputs)) {
    if (!(name in actionYml().inputs)) throw new Error(`action.yml has no input ${name}`);
  }

  const proc = Bun.spawn([nodeBinary(), DIST], {
    cwd: options.workspace,
    env,
    stdout: 'pipe',
    stderr: 'pipe',
    stdin: 'ignore',
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  const masked = stdout
    .split('\n')
    .filter((l) => l.startsWith('::add-mask::'))
    .map((l) => l.slice('::add-mask::'.length));
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseFileCommands(readFileSync(output, 'utf8')),
    summary: readFileSync(summary, 'utf8'),
    masked,
    visibleLog: stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n'),
  };
}
