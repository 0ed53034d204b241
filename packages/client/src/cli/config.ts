import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** What `upshot login` saves. */
export interface StoredConfig {
  server?: string;
  key?: string;
}

export type Env = Record<string, string | undefined>;

/** `$XDG_CONFIG_HOME/upshot/config.json`, else `~/.config/upshot/config.json`. */
export function configPath(env: Env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'upshot', 'config.json');
}

export async function readConfig(path: string): Promise<StoredConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return {};
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not valid JSON: run \`upshot login\` again`);
  }
  const config = (parsed ?? {}) as Record<string, unknown>;
  return {
    server: typeof config.server === 'string' ? config.server : undefined,
    key: typeof config.key === 'string' ? config.key : undefined,
  };
}

/** Writes the file readable by its owner only (0600), in a 0700 folder. */
export async function writeConfig(path: string, config: StoredConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // `mode` applies only when the file is created; tighten one that already existed.
  await chmod(path, 0o600);
}
