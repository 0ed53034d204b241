import type { Config } from '../config.ts';

/** One `upshot-admin` command (README: Operating Upshot). */
export interface AdminCommand {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The usage text `upshot-admin <name> --help` prints. */
  usage: string;
  /**
   * Runs with the command's own arguments (after its name) and the settings read from
   * the environment, as the server reads them. Returns the process exit status.
   */
  run(args: string[], config: Config): Promise<number>;
}

/** Thrown for a wrong invocation: the message and the usage are printed, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
