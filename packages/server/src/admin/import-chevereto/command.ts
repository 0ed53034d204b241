// `upshot-admin import-chevereto --db mysql://... --images <folder>`: brings a Chevereto
// site over with every URL, API key, password and delete link working (README: Moving
// from Chevereto).
import { resolve } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import type { Config } from '../../config.ts';
import { type AdminCommand, UsageError } from '../command.ts';
import { openAdminContext } from '../context.ts';
import { type ImportProgress, importChevereto } from './importer.ts';
import { openCheveretoSource } from './source.ts';

interface Options {
  db: string;
  prefix: string;
  images: string;
  dryRun: boolean;
  inPlace: boolean;
}

function parse(args: string[]): Options {
  const options: Partial<Options> = { prefix: 'chv_', dryRun: false, inPlace: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = () => {
      const next = args[++i];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === '--db') options.db = value();
    else if (arg === '--prefix') options.prefix = value();
    else if (arg === '--images') options.images = value();
    else if (arg === '--dry-run') options.dryRun = true;
    else if (arg === '--in-place') options.inPlace = true;
    else throw new UsageError(`unknown option ${arg}`);
  }
  if (!options.db || !/^(mysql|mariadb):\/\//.test(options.db)) {
    throw new UsageError("give Chevereto's database as --db mysql://user:password@host:3306/name");
  }
  if (!options.images) throw new UsageError("give Chevereto's images folder as --images <folder>");
  if (!/^[A-Za-z0-9_]*$/.test(options.prefix!))
    throw new UsageError('--prefix takes letters, digits and _');
  return { ...options, db: options.db.replace(/^mariadb:/, 'mysql:') } as Options;
}

/** A bar on a terminal; plain lines otherwise. */
function terminalProgress(): ImportProgress {
  const tty = process.stderr.isTTY === true;
  const bar = tty
    ? new SingleBar(
        {
          stream: process.stderr,
          format: 'images {bar} {value}/{total} {eta_formatted} left, {mb} MB',
          hideCursor: true,
          barsize: 30,
        },
        Presets.shades_classic,
      )
    : null;
  let bytes = 0;
  let seen = 0;
  let total = 0;
  return {
    line: (text) => console.log(text),
    start(n) {
      total = n;
      bar?.start(n, 0, { mb: '0' });
    },
    advance(images, written) {
      bytes += written;
      seen += images;
      if (bar) bar.increment(images, { mb: (bytes / 1_000_000).toFixed(0) });
      else if (seen % 5000 < images) console.log(`images: ${seen}/${total} read`);
    },
    stop() {
      bar?.stop();
    },
  };
}

export const importCheveretoCommand: AdminCommand = {
  name: 'import-chevereto',
  summary: 'Import a Chevereto site: users, keys, albums, images (run again to catch up)',
  usage: `Usage: bun run upshot-admin import-chevereto --db mysql://user:password@host:3306/chevereto
         --images /path/to/chevereto/images [--prefix chv_] [--dry-run] [--in-place]

Imports a Chevereto site into this Upshot (its database and storage, from the UPSHOT_*
settings): users with their passwords, API keys, categories, albums, images and videos
with their ids, files, delete links and expiry. Chevereto is only read.

  --db        Chevereto's MySQL/MariaDB database
  --images    Chevereto's images folder (the one holding YYYY/MM/DD folders)
  --prefix    Chevereto's table prefix (default chv_)
  --dry-run   read everything and report what would be imported; write nothing
  --in-place  --images already is UPSHOT_DATA_DIR/images (local storage): the files
              are checked where they are instead of copied

Upshot's UPSHOT_ID_SALT and UPSHOT_ID_PADDING must be Chevereto's (the command says which
values to set). Run it again at any time: it imports only what is new. The closing report
lists every row that was skipped, and why (README: Moving from Chevereto).`,

  async run(args, config: Config) {
    const options = parse(args);
    const images = resolve(options.images);
    if (options.inPlace) {
      if (config.storage !== 'local') throw new UsageError('--in-place needs UPSHOT_STORAGE=local');
      if (images !== resolve(config.dataDir, 'images')) {
        throw new UsageError(`--in-place needs --images ${resolve(config.dataDir, 'images')}`);
      }
    }
    const source = await openCheveretoSource(options.db, options.prefix);
    try {
      if (!source.tables.has('images') || !source.tables.has('users')) {
        console.error(
          `upshot-admin import-chevereto: no ${options.prefix}images and ${options.prefix}users tables in that database (is the --prefix right?)`,
        );
        return 1;
      }
      const ids = await source.idSettings();
      const context = await openAdminContext(config);
      try {
        const salt = config.idSalt ?? (await context.repos.settings.get('id_salt'));
        const same = (a: number, b: number) => Math.max(a, 1) === Math.max(b, 1);
        if (salt !== ids.salt || !same(config.idPadding, ids.padding)) {
          console.error(
            [
              "upshot-admin import-chevereto: Upshot's ids would not be Chevereto's, and every old URL would break.",
              'Set these for upshot-admin and for the server, then run again:',
              `  UPSHOT_ID_SALT=${ids.salt}`,
              `  UPSHOT_ID_PADDING=${ids.padding}`,
            ].join('\n'),
          );
          return 1;
        }
        const report = await importChevereto(
          source,
          { repos: context.repos, storage: context.storage, dataDir: config.dataDir },
          {
            imagesDir: images,
            dryRun: options.dryRun,
            inPlace: options.inPlace,
            progress: terminalProgress(),
          },
        );
        console.log(report.format());
        return 0;
      } finally {
        await context.close();
      }
    } finally {
      await source.close();
    }
  },
};
