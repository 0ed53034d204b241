// The `upshot` command. Runs under Bun (`bun src/cli/main.ts`) and, once built
// (`bun run build` → dist/cli.js), under plain Node 20+.
import { run } from './program.ts';

const code = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
});
process.exitCode = code;
