// `upshot-admin copy-files --to s3`: copies every stored file from the data folder into
// the bucket named by the UPSHOT_S3_* settings, reads each one back to check its size and
// md5, and keeps a ledger of what was verified (<data>/.copy-files.json) so that a second
// run copies only what is new or changed. URLs do not change: keys are the same.
import { createHash } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { s3OptionsFromEnv } from '../config/s3.ts';
import type { Config } from '../config.ts';
import { createLocalStorage } from '../storage/local.ts';
import { createS3Storage } from '../storage/s3.ts';
import type { Storage } from '../storage/storage.ts';
import { type AdminCommand, UsageError } from './command.ts';
import { objectChunks } from './files.ts';

type Ledger = Record<string, { size: number; md5: string }>;

async function digest(storage: Storage, key: string) {
  const object = await storage.get(key);
  if (!object) return null;
  const hash = createHash('md5');
  let size = 0;
  for await (const chunk of objectChunks(object)) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { size, md5: hash.digest('hex') };
}

export async function copyFiles(
  from: Storage,
  to: Storage,
  ledgerPath: string,
  progress: (line: string) => void = () => {},
): Promise<{ copied: number; skipped: number; failed: string[] }> {
  const ledger: Ledger = await Bun.file(ledgerPath)
    .json()
    .catch(() => ({}));
  let copied = 0;
  let skipped = 0;
  const failed: string[] = [];
  const save = async () => {
    await writeFile(`${ledgerPath}.part`, JSON.stringify(ledger));
    await rename(`${ledgerPath}.part`, ledgerPath);
  };
  for await (const listed of from.list('images/')) {
    const known = ledger[listed.key];
    if (known && known.size === listed.size) {
      skipped++;
      continue;
    }
    try {
      const object = await from.get(listed.key);
      if (!object) continue;
      const local = await digest(from, listed.key);
      if (!local) continue;
      const chunks: Uint8Array[] = [];
      for await (const chunk of objectChunks(object)) chunks.push(chunk);
      await to.putAll([{ key: listed.key, bytes: new Uint8Array(Buffer.concat(chunks)) }]);
      const remote = await digest(to, listed.key);
      if (!remote || remote.md5 !== local.md5 || remote.size !== local.size) {
        throw new Error('read back with another size or md5');
      }
      ledger[listed.key] = local;
      copied++;
      if (copied % 200 === 0) {
        await save();
        progress(`${copied} files copied and verified`);
      }
    } catch (error) {
      failed.push(`${listed.key}: ${(error as Error).message}`);
    }
  }
  await save();
  return { copied, skipped, failed };
}

export const copyFilesCommand: AdminCommand = {
  name: 'copy-files',
  summary: 'Copy every file from the data folder into the S3 bucket, verified',
  usage: `Usage: bun run upshot-admin copy-files --to s3

Copies every file under UPSHOT_DATA_DIR/images into the bucket set by the UPSHOT_S3_*
settings (README: Configuration), reads each one back to check its size and md5, and
records what was verified in UPSHOT_DATA_DIR/.copy-files.json, so a second run copies
only new or changed files. Then set UPSHOT_STORAGE=s3 and restart.`,
  async run(args, config: Config) {
    if (args[0] !== '--to' || args[1] !== 's3' || args.length !== 2) {
      throw new UsageError('the only target is --to s3');
    }
    let options: ReturnType<typeof s3OptionsFromEnv>;
    try {
      options = s3OptionsFromEnv(process.env);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const started = Date.now();
    const result = await copyFiles(
      createLocalStorage(config.dataDir),
      createS3Storage(options),
      join(config.dataDir, '.copy-files.json'),
      (line) => console.log(line),
    );
    console.log(
      `${result.copied} files copied and verified, ${result.skipped} already there, ${result.failed.length} failed, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    for (const failure of result.failed) console.log(`  failed: ${failure}`);
    return result.failed.length === 0 ? 0 : 1;
  },
};
