// Bundles the package for plain Node 20+: dist/cli.js (the `upshot` command) and dist/index.js
// (the library). Everything they import is inside, @upshot/schema and the npm packages alike,
// so `npm pack` makes a tarball that installs with no dependencies and no workspace links
// (README: Command line). `bun run compile` makes a single-file executable instead.
import { chmod, rm } from 'node:fs/promises';

const here = (path: string) => new URL(path, import.meta.url).pathname;

await rm(here('./dist'), { recursive: true, force: true });
for (const [entry, name, banner] of [
  ['./src/cli/main.ts', 'cli.js', '#!/usr/bin/env node'],
  ['./src/index.ts', 'index.js', ''],
] as const) {
  const result = await Bun.build({
    entrypoints: [here(entry)],
    outdir: here('./dist'),
    naming: name,
    target: 'node',
    format: 'esm',
    banner,
  });
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    process.exit(1);
  }
}
await chmod(here('./dist/cli.js'), 0o755);
console.log('built dist/cli.js and dist/index.js');
