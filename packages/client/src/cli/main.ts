// The `upshot` command. Runs under Bun (`bun src/cli/main.ts`) and, once built
// (`bun run build` → dist/cli.js), under plain Node 20+.
import { run } from './program.ts';

// The first Ctrl-C stops the uploads (what finished is still printed, the progress bar
// gives the cursor back); a second one quits at once.
const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) process.exit(130);
  interrupt.abort();
});

const code = await run(process.argv.slice(2), {
  signal: interrupt.signal,
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
});
process.exitCode = code;
