// The deployment files at the repository's root (deploy/), for the tests that keep them
// honest: each is checked against the code and run where this machine can run it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPO = join(import.meta.dir, '..', '..', '..', '..');
export const DEPLOY = join(REPO, 'deploy');

export const deployFile = (name: string): string => readFileSync(join(DEPLOY, name), 'utf8');

/** `KEY=value` lines of an environment file (systemd's EnvironmentFile, compose's .env). */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match) throw new Error(`not a KEY=value line: ${line}`);
    env[match[1] ?? ''] = match[2] ?? '';
  }
  return env;
}

/** The one command block of deploy/README.md that runs `bun install`. */
export function documentedInstall(): string {
  const readme = deployFile('README.md');
  const commands = [...readme.matchAll(/^```sh\n([\s\S]*?)^```/gm)]
    .flatMap((block) => (block[1] ?? '').split('\n'))
    .map((line) => line.trim())
    .filter((line) => line.startsWith('bun install'));
  if (commands.length !== 1) throw new Error(`expected one documented install: ${commands}`);
  return commands[0] ?? '';
}
