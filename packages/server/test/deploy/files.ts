// The deployment files at the repository's root (deploy/), for the tests that keep them
// honest: each is checked against the code and run where this machine can run it.

import { expect } from 'bun:test';
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

/**
 * The production install, as the READMEs document it (the root README's "Production
 * install" and deploy/README.md): every command block that runs it must say the same.
 */
export function documentedInstall(): string {
  const found = new Set<string>();
  let count = 0;
  for (const readme of [readFileSync(join(REPO, 'README.md'), 'utf8'), deployFile('README.md')]) {
    let inReadme = 0;
    for (const block of readme.matchAll(/^```sh\n([\s\S]*?)^```/gm)) {
      for (const line of (block[1] ?? '').split('\n')) {
        const at = line.indexOf('bun install --production');
        if (at < 0) continue;
        found.add(
          line
            .slice(at)
            .split(/ &&| #/)[0]
            ?.trim() ?? '',
        );
        inReadme++;
      }
    }
    expect(inReadme).toBeGreaterThan(0);
    count += inReadme;
  }
  expect({ commands: [...found], count: count > 1 }).toEqual({
    commands: [expect.any(String)],
    count: true,
  });
  return [...found][0] ?? '';
}
