#!/usr/bin/env bun
// `bun run upshot-admin <command>`: the operator's tools, with the same settings as the
// server (the environment; README: Configuration). Each command is one file here.
import { ConfigError, loadConfig } from '../config.ts';
import { type AdminCommand, UsageError } from './command.ts';
import { commands } from './commands.ts';

function help(list: AdminCommand[]): string {
  const width = Math.max(...list.map((command) => command.name.length));
  return [
    'Usage: bun run upshot-admin <command> [options]',
    '',
    'Commands:',
    ...list.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Run `bun run upshot-admin <command> --help` for its options. Settings come from the',
    'environment, as for the server (UPSHOT_DATA_DIR, UPSHOT_DATABASE_URL, UPSHOT_STORAGE...).',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help(commands));
    return name ? 0 : 2;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    console.error(`upshot-admin: unknown command "${name}"\n\n${help(commands)}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`upshot-admin: ${error.message}`);
      return 1;
    }
    throw error;
  }
  try {
    return await command.run(rest, config);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`upshot-admin ${name}: ${error.message}\n\n${command.usage}`);
      return 2;
    }
    console.error(`upshot-admin ${name}: ${(error as Error).message}`);
    return 1;
  }
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)));
