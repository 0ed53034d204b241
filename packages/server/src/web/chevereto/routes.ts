// Chevereto's URLs that Upshot answers at another place: each redirects there for good
// (301). The list of Chevereto routes kept, redirected and dropped is in
// the README (Moving from Chevereto).
import { Elysia } from 'elysia';
import type { Repositories } from '../../db/repositories/index.ts';
import { candidateNames, variantsOf } from '../../services/images/files.ts';

const moved = (location: string) =>
  new Response(null, { status: 301, headers: { Location: location } });

/** Pages whose place changed; the album tabs all land on the album. */
export function cheveretoRoutes() {
  const app = new Elysia({ name: 'chevereto' });
  for (const tab of ['embeds', 'sub', 'info']) {
    app.get(`/album/:ref/${tab}`, ({ params }) =>
      moved(`/album/${encodeURIComponent(params.ref)}`),
    );
  }
  return app
    .get('/login', () => moved('/signin'))
    .get('/upload', () => moved('/'))
    .get('/settings/api', () => moved('/settings/keys'));
}

/** `/images/<name>.<ext>` (direct mode) and `/images/old/<name>.<ext>` (old mode). */
const LEGACY_FILE = /^\/images\/((?:old\/)?)([A-Za-z0-9_.-]{1,255})$/;

/**
 * Files Chevereto kept outside a date folder were imported into one (the upload's date):
 * their old URLs redirect to the new ones. Null when the path is not such a file.
 */
export function createLegacyFileRedirect(deps: {
  repos: Pick<Repositories, 'chevereto'>;
  now: () => Date;
  /** Where file URLs start (the base URL, or UPSHOT_PUBLIC_FILES_URL). */
  filesUrl: string;
}) {
  return async (path: string): Promise<Response | null> => {
    const match = LEGACY_FILE.exec(path);
    if (!match) return null;
    const [, folder = '', filename = ''] = match;
    const names = candidateNames(filename);
    const found = await deps.repos.chevereto.findByLegacyPath(
      names.map((name) => folder + name),
      deps.now(),
    );
    for (const { image, legacyPath, albumPrivacy } of found) {
      // A private album's file is its owner's alone: no redirect says it exists.
      if (albumPrivacy === 'private') return null;
      const oldName = (legacyPath ?? '').slice(folder.length);
      // The rest after the old name is the variant's infix and extension: `.th.jpg`.
      const rest = filename.slice(oldName.length);
      const file = variantsOf(image).find((variant) => variant.filename === image.name + rest);
      if (file) return moved(`${deps.filesUrl}/${file.key}`);
    }
    return null;
  };
}
