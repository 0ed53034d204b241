import type { AdminCommand } from './command.ts';

/** Every command, in the order `upshot-admin --help` lists them. */
export const commands: AdminCommand[] = [];
