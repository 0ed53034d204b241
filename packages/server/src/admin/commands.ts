import type { AdminCommand } from './command.ts';
import { resetAdminKey } from './reset-admin-key.ts';

/** Every command, in the order `upshot-admin --help` lists them. */
export const commands: AdminCommand[] = [resetAdminKey];
