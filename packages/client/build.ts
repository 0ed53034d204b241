// Bundles the command line into dist/cli.js for plain Node (dependencies included).
import { chmod, rm } from 'node:fs/promises';

await rm(new URL('./dist', import.meta.url), { recursive: true, force: true });
const result = await Bun.build({
  entrypoints: [new URL('./src/cli/main.ts', import.meta.url).pathname],
  outdir: new URL('./dist', import.meta.url).pathname,
  naming: 'cli.js',
  target: 'node',
  format: 'esm',
  banner: '#!/usr/bin/env node',
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
await chmod(new URL('./dist/cli.js', import.meta.url), 0o755);
console.log('built dist/cli.js');
