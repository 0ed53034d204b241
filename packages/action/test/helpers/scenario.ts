import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type FakeGitHub, type FakeGitHubOptions, startFakeGitHub } from './fake-github.ts';
import { type RunOptions, type RunResult, runAction } from './run-action.ts';
import { startUpshot, type Upshot, type UpshotOptions } from './upshot.ts';

export interface Scenario {
  github: FakeGitHub;
  /** The real Upshot server (behind a flaky front when asked). */
  upshot: Upshot;
  workspace: string;
  /** Writes a file into the workspace and returns the md5 of its bytes. */
  write(relative: string, bytes: Uint8Array | string): string;
  /** Removes a file from the workspace. */
  remove(relative: string): void;
  /** Runs the action with the servers' addresses and key filled in. */
  run(
    options: Omit<RunOptions, 'apiUrl' | 'token' | 'workspace' | 'inputs'> & {
      inputs?: Record<string, string>;
    },
  ): Promise<RunResult>;
  dispose(): Promise<void>;
}

export const md5 = (bytes: Uint8Array | string) => createHash('md5').update(bytes).digest('hex');

export async function startScenario(
  options: { github?: FakeGitHubOptions; upload?: UpshotOptions } = {},
): Promise<Scenario> {
  const [github, upshot] = await Promise.all([
    startFakeGitHub(options.github),
    startUpshot(options.upload),
  ]);
  const workspace = mkdtempSync(path.join(tmpdir(), 'upshot-workspace-'));
  return {
    github,
    upshot,
    workspace,
    write(relative, bytes) {
      const file = path.join(workspace, relative);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, bytes);
      return md5(bytes);
    },
    remove(relative) {
      rmSync(path.join(workspace, relative));
    },
    run(run) {
      return runAction({
        ...run,
        inputs: { 'server-url': upshot.url, 'api-key': upshot.apiKey, ...run.inputs },
        apiUrl: github.url,
        token: github.token,
        workspace,
      });
    },
    async dispose() {
      await Promise.all([github.stop(), upshot.stop()]);
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}
