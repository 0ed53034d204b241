// `bun run start`: runs the server from its production bundle (src/bundle.ts), building it
// first when it is missing or older than the sources; from the sources when it cannot be
// built (an install the server may not write to: build it at install time, README: Performance).
import { buildBundle, bundleEntry, bundleIsCurrent } from './bundle.ts';

type Main = () => Promise<void>;

async function load(): Promise<Main> {
  try {
    if (!bundleIsCurrent()) {
      console.error('Upshot: building the production bundle (first start, or the sources changed)');
      await buildBundle();
    }
    return (require(bundleEntry()) as { main: Main }).main;
  } catch (error) {
    console.error(
      `Upshot: running from the sources, the production bundle could not be built (${(error as Error).message})`,
    );
    return (await import('./main.ts')).main;
  }
}

await (await load())();
