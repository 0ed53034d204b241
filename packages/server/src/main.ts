// The process: read the settings, start the server, listen, and drain on SIGTERM/SIGINT.
// Run by src/index.ts, from the production bundle or from the sources (src/bundle.ts).
import { ConfigError, loadConfig } from './config.ts';
import { announce, createLogger, type LogLevel } from './logger.ts';
import { configureVideoTools, videoTools } from './media/ffmpeg.ts';
import { createServer } from './server.ts';

export async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      // The format is read by hand here: the settings themselves did not load.
      const format = process.env.UPSHOT_LOG_FORMAT?.trim() === 'json' ? 'json' : 'text';
      announce(format, `Upshot cannot start: ${error.message}`, undefined, 'error');
      process.exit(1);
    }
    throw error;
  }

  // Lines about the process: plain text, or JSON lines with UPSHOT_LOG_FORMAT=json (README: Logs).
  const say = (text: string, fields?: Record<string, unknown>, level?: LogLevel) =>
    announce(config.logFormat, text, fields, level);

  configureVideoTools({
    ffmpegPath: config.ffmpegPath,
    ffprobePath: config.ffprobePath,
    warn: (line) => say(line, undefined, 'warn'),
  });

  // Info lines (one per upload) follow UPSHOT_LOG_REQUESTS; errors are always logged.
  const log = createLogger({ enabled: config.logRequests, format: config.logFormat });
  const upshot = await createServer(config, { log });

  if (upshot.instance.generatedAdminKey) {
    // Shown once, on the start that created the admin; only its hash is kept.
    say(
      `\nAdmin API key (shown only now, keep it safe):\n\n  ${upshot.instance.generatedAdminKey}\n\nSign in at ${config.baseUrl}/signin as "admin" with this key as the password, then set one in Settings.\nLost it? Run: bun run upshot-admin reset-admin-key\n`,
    );
  }

  if (upshot.instance.adminKeyIgnored) {
    say(
      'UPSHOT_ADMIN_KEY is set but is not the admin’s key: it is only used at first start, when the admin is created. To replace a lost admin key, run: bun run upshot-admin reset-admin-key',
      undefined,
      'warn',
    );
  }

  // Before listening: a signal that comes as soon as /healthz answers still drains.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(
      `${signal}: draining (up to ${Math.round(config.shutdownTimeoutMs / 1000)} s), then stopping`,
    );
    try {
      const { aborted } = await upshot.stop();
      if (aborted > 0) say(`${aborted} request(s) were still running and got a 503`);
      process.exit(0);
    } catch (error) {
      log.error('shutdown failed', { error });
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  upshot.listen();
  // A signal during this ends the process with the drain above; the jobs no longer matter.
  await upshot.startJobs().catch((error: unknown) => {
    if (!stopping) throw error;
  });
  say(
    `Upshot is listening on ${config.baseUrl} (data in ${config.dataDir}, ${upshot.database.dialect}, ${upshot.storage.kind} storage, guest uploads ${config.guestUploads ? 'on' : 'off'})`,
  );
  // A second after listening (so the first requests do not wait for it): find ffmpeg, so a
  // missing or bundled one is reported at start rather than at the first video upload.
  setTimeout(() => {
    videoTools().catch((error: unknown) => {
      say(`Upshot: videos cannot be processed: ${(error as Error).message}`, undefined, 'error');
    });
  }, 1_000);
}
