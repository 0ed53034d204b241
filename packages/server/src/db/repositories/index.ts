import type { Database } from '../database.ts';
import { createAddressesRepository } from './addresses.ts';
import { createAlbumsRepository } from './albums.ts';
import { createBaselinesRepository } from './baselines.ts';
import { createCheveretoRepository } from './chevereto.ts';
import { createCountersRepository } from './counters.ts';
import { createImagesRepository } from './images.ts';
import { createKeysRepository } from './keys.ts';
import { createSettingsRepository } from './settings.ts';
import { createSystemRepository } from './system.ts';
import { createUsersRepository } from './users.ts';

/** Every query of the server, by aggregate. Services see these and never a dialect. */
export function createRepositories(database: Database) {
  return {
    images: createImagesRepository(database),
    users: createUsersRepository(database),
    keys: createKeysRepository(database),
    albums: createAlbumsRepository(database),
    counters: createCountersRepository(database),
    settings: createSettingsRepository(database),
    system: createSystemRepository(database),
    baselines: createBaselinesRepository(database),
    chevereto: createCheveretoRepository(database),
    addresses: createAddressesRepository(database),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
export type { ClaimResult, ImagesRepository, PublishValues } from './images.ts';
