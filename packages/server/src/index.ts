import { join } from 'node:path';
import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { openDatabase } from './db/client.ts';
import { createRepository } from './db/repository.ts';
import { createLogger } from './http/logger.ts';
import { initInstance } from './instance.ts';
import { startExpirySweep } from './jobs/expiry-sweep.ts';
import { configureVideoTools, videoTools } from './media/ffmpeg.ts';
import { createImageDeleter } from './modules/images/delete.ts';
import { createLocalStorage } from './storage/local.ts';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Upshot cannot start: ${error.message}`);
    process.exit(1);
  }
  throw error;
}

configureVideoTools({ ffmpegPath: config.ffmpegPath, ffprobePath: config.ffprobePath });

// Info lines (one per upload) follow UPSHOT_LOG_REQUESTS; errors are always logged.
const log = createLogger(config.logRequests);
const { db } = openDatabase(join(config.dataDir, 'upshot.sqlite'));
const repo = createRepository(db);
const storage = createLocalStorage(config.dataDir);
const instance = initInstance(config, repo);

if (instance.generatedAdminKey) {
  // Shown once, on the start that created the admin; only its hash is kept.
  console.log(
    `\nAdmin API key (shown only now, keep it safe):\n\n  ${instance.generatedAdminKey}\n`,
  );
}

const app = createApp({ config, repo, storage, instance, log });
const stopSweep = startExpirySweep({
  repo,
  deleter: createImageDeleter(storage, repo),
  now: () => new Date(),
  log,
});

app.listen({
  port: config.port,
  hostname: config.host,
  // Out of reach on purpose: createApp refuses oversized bodies in the contract's envelope.
  maxRequestBodySize: Number.MAX_SAFE_INTEGER,
});
console.log(
  `Upshot is listening on ${config.baseUrl} (data in ${config.dataDir}, guest uploads ${config.guestUploads ? 'on' : 'off'})`,
);
// Once listening (so start-up does not wait for it): find ffmpeg now, so a missing or bundled
// one is reported at start rather than at the first video upload.
videoTools().catch((error: unknown) => {
  console.error(`Upshot: videos cannot be processed: ${(error as Error).message}`);
});

const shutdown = () => {
  stopSweep();
  void app.stop().then(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
