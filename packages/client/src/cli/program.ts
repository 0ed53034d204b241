import { writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createClient, type UploadManyResult } from '../client.ts';
import { UpshotError } from '../errors.ts';
import type { UploadInput } from '../input.ts';
import { createReviewClient } from '../review.ts';
import { VERSION } from '../version.ts';
import { configPath, type Env, readConfig, writeConfig } from './config.ts';
import { type CliInput, expandArguments, UsageError } from './files.ts';
import { formatLine, OUTPUT_MODES, type OutputMode, toJsonResult } from './output.ts';
import { createReporter, type ProgressStream } from './progress.ts';

export interface CliStdin extends AsyncIterable<Uint8Array | string> {
  isTTY?: boolean;
  setRawMode?: (mode: boolean) => unknown;
  on?(event: 'data', listener: (chunk: Uint8Array | string) => void): unknown;
  off?(event: 'data', listener: (chunk: Uint8Array | string) => void): unknown;
  resume?(): unknown;
  pause?(): unknown;
}

/** Everything the command line touches, so tests can run it in-process. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
  stdin: CliStdin;
  env: Env;
  cwd: string;
  fetch?: typeof fetch;
  /** Aborts the uploads (Ctrl-C). */
  signal?: AbortSignal;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

const positiveInteger = (name: string) => (value: string) => {
  if (!/^[1-9]\d*$/.test(value))
    throw new InvalidArgumentError(`${name} must be a positive integer.`);
  return Number(value);
};
const nonNegativeInteger = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be 0 or more.`);
  return Number(value);
};

interface UploadFlags {
  server?: string;
  key?: string;
  album?: string;
  category?: string;
  title?: string;
  description?: string;
  tags?: string;
  expiration?: string;
  width?: number;
  nsfw?: boolean;
  concurrency: number;
  output: OutputMode;
  showDeleteUrls?: boolean;
  retries?: number;
  timeout?: number;
  quiet?: boolean;
}

interface DiffFlags {
  server?: string;
  key?: string;
  out?: string;
  threshold?: number;
  json?: boolean;
  timeout?: number;
}

interface LoginFlags {
  server: string;
  key?: string;
  verify: boolean;
}

const UPLOAD_EXAMPLES = `
Inputs:
  A file, a glob (quote it to let upshot expand it: 'shots/**/*.png'), an http(s)
  URL for the server to fetch, or - for standard input. Every file is checked before
  anything is uploaded: a missing file or a glob with no match is an error (exit 2).

Server and key, first found wins:
  --server / --key, then UPSHOT_SERVER / UPSHOT_API_KEY, then the file written by
  \`upshot login\`. Prefer the environment or login over --key: command lines are
  visible to other users of the machine.

Output (stdout; progress and errors go to stderr):
  url       the direct image URL, one per line (default)
  markdown  ![title](url)
  html      <img src="url" alt="title">
  bbcode    [img]url[/img]
  json      one JSON array, an element per input in input order:
            {input, ok: true, id, url, url_viewer, url_short, display_url, thumb_url,
             medium_url, title, filename, mime, width, height, size, md5, upload_md5,
             expiration_date_gmt} or {input, ok: false, error: {message, kind, status,
             code, retryable}}; delete_url only with --show-delete-urls.

Exit status: 0 every file uploaded, 1 some failed, 2 usage error.

Examples:
  upshot upload screenshot.png
  upshot upload 'shots/*.png' --album AbC --tags ci,nightly --expiration P7D
  upshot upload photo.jpg --width 1280 --output markdown
  grim - | upshot upload - --output json
  upshot upload https://example.com/cat.gif --title "A cat"
`;

const DIFF_HELP = `
Compares two images on the server (an Upshot server, with a user key; nothing is
stored there) the way the GitHub Action compares screenshots: pixels whose colour
differs by more than the threshold count as changed, anti-aliasing is not a change,
and images of different sizes are compared over the area both cover (the rest counts
as changed).

Exit status: 0 unchanged, 1 changed, 2 trouble (bad option, missing file, no server
or key, the server refused).

Examples:
  upshot diff before.png after.png
  upshot diff before.png after.png --out diff.png --threshold 0.05
  upshot diff a.png b.png --json
`;

const LOGIN_HELP = `
Saves the server and key to $XDG_CONFIG_HOME/upshot/config.json (or
~/.config/upshot/config.json), readable only by you (mode 0600). Without --key, the
key is read from standard input: typed without echo on a terminal, or piped:
  printf '%s' "$KEY" | upshot login --server https://img.example.com
Before saving, the key is checked with an empty upload request (nothing is stored on
the server); --no-verify skips that. The key is never printed.
`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  let exitCode = EXIT_OK;
  const program = new Command()
    .name('upshot')
    .description('Upload images and videos to Upshot or any Chevereto-compatible image host.')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(see --help)')
    .exitOverride()
    .addHelpText(
      'after',
      `
Environment:
  UPSHOT_SERVER    server address, e.g. https://img.example.com
  UPSHOT_API_KEY   API key (user key or the instance's guest key)
  XDG_CONFIG_HOME  where \`upshot login\` keeps its config file

Examples:
  upshot login --server https://img.example.com
  upshot upload 'screenshots/*.png' --output markdown
  upshot upload --help`,
    );

  program
    .command('upload')
    .description('upload files, globs or URLs and print their links')
    .argument('<inputs...>', 'files, globs, http(s) URLs, or - for standard input')
    .option('-s, --server <url>', 'server address (default: $UPSHOT_SERVER, then the login file)')
    .option('-k, --key <key>', 'API key (default: $UPSHOT_API_KEY, then the login file)')
    .option('-a, --album <id>', 'encoded id of an album of yours to add the files to')
    .option('--category <id>', 'numeric category id')
    .option('-t, --title <title>', 'title (default: from metadata, else the file name)')
    .option('-d, --description <text>', 'description (default: from metadata)')
    .option('--tags <tags>', 'comma-separated tags')
    .option(
      '-e, --expiration <duration>',
      'auto-delete after an ISO 8601 duration (PT5M, P3D) or seconds',
    )
    .option(
      '-w, --width <pixels>',
      'resize to this width (keeps the aspect ratio)',
      positiveInteger('--width'),
    )
    .option('--nsfw', 'flag as not safe for work')
    .option('--no-nsfw', 'flag as safe for work')
    .option('-c, --concurrency <n>', 'uploads at once', positiveInteger('--concurrency'), 2)
    .addOption(
      new Option('-o, --output <format>', 'what to print for each upload')
        .choices(OUTPUT_MODES)
        .default('url'),
    )
    .option(
      '--show-delete-urls',
      'also print each delete URL (a secret: anyone with it can delete)',
    )
    .option(
      '--retries <n>',
      'retries per file on 429, 5xx, network errors (default: 3)',
      nonNegativeInteger('--retries'),
    )
    .option('--timeout <seconds>', 'per attempt (default: 60)', positiveInteger('--timeout'))
    .option('-q, --quiet', 'no progress, only errors')
    .addHelpText('after', UPLOAD_EXAMPLES)
    .action(async (inputs: string[], flags: UploadFlags) => {
      exitCode = await uploadCommand(inputs, flags, io);
    });

  program
    .command('diff')
    .description('compare two images: the share of changed pixels, and a diff image')
    .argument('<a>', 'the image before')
    .argument('<b>', 'the image after')
    .option('-s, --server <url>', 'server address (default: $UPSHOT_SERVER, then the login file)')
    .option('-k, --key <key>', 'API key (default: $UPSHOT_API_KEY, then the login file)')
    .option('-o, --out <file>', 'write the diff image (PNG) here when something changed')
    .option(
      '-t, --threshold <0-1>',
      'per-pixel colour tolerance, 0 to 1 (default: 0.1)',
      (value: string) => {
        const n = Number(value);
        if (!/^\d*\.?\d+$/.test(value) || n > 1) {
          throw new InvalidArgumentError('--threshold must be a number from 0 to 1.');
        }
        return n;
      },
    )
    .option('--json', 'print the result as JSON')
    .option('--timeout <seconds>', 'for the request (default: 300)', positiveInteger('--timeout'))
    .addHelpText('after', DIFF_HELP)
    .action(async (a: string, b: string, flags: DiffFlags) => {
      exitCode = await diffCommand(a, b, flags, io);
    });

  program
    .command('login')
    .description('save the server address and API key for later commands')
    .requiredOption('-s, --server <url>', 'server address, e.g. https://img.example.com')
    .option('-k, --key <key>', 'API key (default: read from standard input)')
    .option('--no-verify', 'save without checking the key with the server')
    .addHelpText('after', LOGIN_HELP)
    .action(async (flags: LoginFlags) => {
      exitCode = await loginCommand(flags, io);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') {
        return EXIT_OK;
      }
      return EXIT_USAGE;
    }
    io.stderr.write(`upshot: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILED;
  }
  return exitCode;
}

const usage = (io: CliIo, message: string): number => {
  io.stderr.write(
    `${message
      .split('\n')
      .map((line) => `upshot: ${line}`)
      .join('\n')}\n`,
  );
  return EXIT_USAGE;
};

async function readAll(stdin: CliStdin): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stdin) {
    chunks.push(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
  }
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

const describeError = (error: UpshotError): string => {
  const details = [
    error.status === null ? null : `HTTP ${error.status}`,
    error.code === null ? null : `code ${error.code}`,
  ].filter(Boolean);
  return details.length ? `${error.message} (${details.join(', ')})` : error.message;
};

async function uploadCommand(args: string[], flags: UploadFlags, io: CliIo): Promise<number> {
  let cliInputs: CliInput[];
  try {
    cliInputs = await expandArguments(args, io.cwd);
  } catch (error) {
    if (error instanceof UsageError) return usage(io, error.message);
    throw error;
  }

  let stored = {};
  const path = configPath(io.env);
  try {
    stored = await readConfig(path);
  } catch (error) {
    return usage(io, (error as Error).message);
  }
  const { server: storedServer, key: storedKey } = stored as { server?: string; key?: string };
  const server = flags.server || io.env.UPSHOT_SERVER || storedServer;
  const key = flags.key || io.env.UPSHOT_API_KEY || storedKey;
  if (!server) {
    return usage(io, 'No server: pass --server, set UPSHOT_SERVER, or run `upshot login`.');
  }
  if (!key) {
    return usage(io, 'No API key: pass --key, set UPSHOT_API_KEY, or run `upshot login`.');
  }

  let client: ReturnType<typeof createClient>;
  try {
    client = createClient({
      baseUrl: server,
      apiKey: key,
      fetch: io.fetch,
      retries: flags.retries,
      timeoutMs: flags.timeout === undefined ? undefined : flags.timeout * 1000,
    });
  } catch {
    return usage(io, `Invalid server address: ${server} (expected http:// or https://)`);
  }

  const labels: string[] = [];
  const inputs: UploadInput[] = [];
  for (const input of cliInputs) {
    if (input.kind === 'path') {
      labels.push(input.path);
      inputs.push({ path: input.file });
    } else if (input.kind === 'url') {
      labels.push(input.url);
      inputs.push({ url: input.url });
    } else {
      labels.push('stdin');
      const bytes = await readAll(io.stdin);
      if (bytes.length === 0) return usage(io, 'Standard input is empty.');
      inputs.push({ bytes });
    }
  }

  const reporter = createReporter(io.stderr, Boolean(flags.quiet));
  // Once the server refuses the key, every other upload would fail the same way: stop.
  const stop = new AbortController();
  const signal = io.signal ? AbortSignal.any([io.signal, stop.signal]) : stop.signal;
  let keyRefused = false;
  reporter.start(inputs.length);
  const results: UploadManyResult[] = await client.uploadMany(inputs, {
    signal,
    concurrency: flags.concurrency,
    params: {
      title: flags.title,
      description: flags.description,
      tags: flags.tags,
      album_id: flags.album,
      category_id: flags.category,
      width: flags.width,
      expiration: flags.expiration,
      nsfw: flags.nsfw,
    },
    onProgress: (event) => {
      reporter.update(event, labels[event.index] ?? '');
      const error = event.type === 'failure' ? event.error : null;
      if (error && error.kind === 'http' && (error.status === 401 || error.code === 100)) {
        keyRefused = true;
        stop.abort();
      }
    },
  });
  reporter.stop();
  const skipped = (error: UpshotError) =>
    error.kind === 'aborted'
      ? new UpshotError(keyRefused ? 'Skipped: the server refused the key' : 'Interrupted', {
          kind: 'aborted',
        })
      : error;
  for (const [i, result] of results.entries()) {
    if (!result.ok) results[i] = { ...result, error: skipped(result.error) };
  }

  const showDelete = Boolean(flags.showDeleteUrls);
  if (flags.output === 'json') {
    const json = results.map((result, i) => toJsonResult(result, labels[i] ?? '', showDelete));
    io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    const mode = flags.output;
    for (const result of results) {
      if (!result.ok) continue;
      const { image, missing } = result.result;
      const title = missing.includes('title') ? '' : image.title;
      let line = formatLine(mode, image.url, title);
      if (showDelete) line += `\t${image.delete_url}`;
      io.stdout.write(`${line}\n`);
    }
  }

  const failures = results.filter((result) => !result.ok);
  for (const failure of failures) {
    if (!failure.ok) {
      io.stderr.write(`upshot: failed ${labels[failure.index]}: ${describeError(failure.error)}\n`);
    }
  }
  if (!flags.quiet && results.length > 1) {
    io.stderr.write(`${results.length - failures.length} uploaded, ${failures.length} failed\n`);
  }
  if (io.signal?.aborted) return EXIT_INTERRUPTED;
  return failures.length > 0 ? EXIT_FAILED : EXIT_OK;
}

/** Reads a line from a terminal without echoing it. */
function promptHidden(io: CliIo, question: string): Promise<string> {
  const { stdin } = io;
  io.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    const done = () => {
      stdin.off?.('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause?.();
      io.stderr.write('\n');
    };
    const onData = (chunk: Uint8Array | string) => {
      const text = typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
      for (const char of text) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          done();
          resolve(value);
          return;
        }
        if (char === '\u0003') {
          done();
          reject(new UsageError('Cancelled.'));
          return;
        }
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else if (char >= ' ') value += char;
      }
    };
    stdin.setRawMode?.(true);
    stdin.on?.('data', onData);
    stdin.resume?.();
  });
}

async function loginCommand(flags: LoginFlags, io: CliIo): Promise<number> {
  let key = flags.key;
  if (key === undefined) {
    try {
      key = io.stdin.isTTY
        ? await promptHidden(io, 'API key: ')
        : (new TextDecoder().decode(await readAll(io.stdin)).split(/\r?\n/)[0] ?? '');
    } catch (error) {
      return usage(io, (error as Error).message);
    }
  }
  key = key.trim();
  if (!key) return usage(io, 'No API key given (pass --key or type it when asked).');

  let client: ReturnType<typeof createClient>;
  try {
    client = createClient({
      baseUrl: flags.server,
      apiKey: key,
      fetch: io.fetch,
      timeoutMs: 15_000,
    });
  } catch {
    return usage(io, `Invalid server address: ${flags.server} (expected http:// or https://)`);
  }

  if (flags.verify) {
    try {
      await client.checkKey();
    } catch (error) {
      const upshotError = error instanceof UpshotError ? error : null;
      if (upshotError?.kind === 'http') {
        io.stderr.write(`upshot: the server refused the key: ${describeError(upshotError)}\n`);
      } else {
        io.stderr.write(
          `upshot: could not check the key with ${client.endpoint}: ${(error as Error).message}\n` +
            'upshot: nothing saved (use --no-verify to save without checking)\n',
        );
      }
      return EXIT_FAILED;
    }
  }

  const path = configPath(io.env);
  await writeConfig(path, { server: client.baseUrl, key });
  io.stderr.write(
    `Saved the server ${client.baseUrl} and ${flags.verify ? 'a working' : 'an unchecked'} API key to ${path} (readable only by you).\n`,
  );
  return EXIT_OK;
}

/** The server and key from the flags, the environment or the login file; or the usage error. */
async function credentials(
  flags: { server?: string; key?: string },
  io: CliIo,
): Promise<{ server: string; key: string } | number> {
  let stored: { server?: string; key?: string } = {};
  try {
    stored = await readConfig(configPath(io.env));
  } catch (error) {
    return usage(io, (error as Error).message);
  }
  const server = flags.server || io.env.UPSHOT_SERVER || stored.server;
  const key = flags.key || io.env.UPSHOT_API_KEY || stored.key;
  if (!server) {
    return usage(io, 'No server: pass --server, set UPSHOT_SERVER, or run `upshot login`.');
  }
  if (!key) {
    return usage(io, 'No API key: pass --key, set UPSHOT_API_KEY, or run `upshot login`.');
  }
  return { server, key };
}

const percent = (ratio: number) =>
  `${(ratio * 100).toFixed(ratio > 0 && ratio < 0.001 ? 3 : 2).replace(/\.?0+$/, '')}%`;

async function diffCommand(a: string, b: string, flags: DiffFlags, io: CliIo): Promise<number> {
  const found = await credentials(flags, io);
  if (typeof found === 'number') return found;
  let review: ReturnType<typeof createReviewClient>;
  try {
    review = createReviewClient({
      baseUrl: found.server,
      apiKey: found.key,
      fetch: io.fetch,
      timeoutMs: flags.timeout === undefined ? undefined : flags.timeout * 1000,
    });
  } catch {
    return usage(io, `Invalid server address: ${found.server} (expected http:// or https://)`);
  }
  const path = (file: string) => (isAbsolute(file) ? file : join(io.cwd, file));
  let result: Awaited<ReturnType<typeof review.diff>>;
  try {
    result = await review.diff(
      { path: path(a) },
      { path: path(b) },
      { threshold: flags.threshold, signal: io.signal },
    );
  } catch (error) {
    const upshotError = error instanceof UpshotError ? error : null;
    if (upshotError?.kind === 'input') return usage(io, upshotError.message);
    io.stderr.write(
      `upshot: ${upshotError ? describeError(upshotError) : (error as Error).message}\n`,
    );
    return EXIT_USAGE;
  }
  if (flags.out && result.png) await writeFile(path(flags.out), result.png);
  if (flags.json) {
    const { png: _png, image: _image, ...rest } = result;
    io.stdout.write(
      `${JSON.stringify({ ...rest, out: flags.out && result.png ? flags.out : null }, null, 2)}\n`,
    );
  } else if (!result.changed) {
    io.stdout.write(
      result.identical ? 'unchanged: the same bytes\n' : 'unchanged: no pixel over the threshold\n',
    );
  } else {
    const size = result.size_changed
      ? `; size ${result.a.width}×${result.a.height} → ${result.b.width}×${result.b.height}`
      : '';
    io.stdout.write(
      `changed: ${percent(result.changed_ratio)} of the pixels (${result.changed_pixels} of ${result.total_pixels})${size}\n`,
    );
    if (flags.out && result.png) io.stdout.write(`diff image: ${flags.out}\n`);
  }
  return result.changed ? EXIT_FAILED : EXIT_OK;
}
