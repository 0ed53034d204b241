import { backupCommand } from './backup.ts';
import type { AdminCommand } from './command.ts';
import { copyDbCommand } from './copy-db.ts';
import { copyFilesCommand } from './copy-files.ts';
import { doctorCommand } from './doctor.ts';
import { importCheveretoCommand } from './import-chevereto/command.ts';
import { resetAdminKey } from './reset-admin-key.ts';
import { restoreCommand } from './restore.ts';

/** Every command, in the order `upshot-admin --help` lists them. */
export const commands: AdminCommand[] = [
  backupCommand,
  restoreCommand,
  doctorCommand,
  copyDbCommand,
  copyFilesCommand,
  importCheveretoCommand,
  resetAdminKey,
];
