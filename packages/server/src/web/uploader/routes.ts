import { Elysia } from 'elysia';
import type { Config } from '../../config.ts';
import type { Repositories } from '../../db/repositories/index.ts';
import type { Instance } from '../../services/instance.ts';
import { assetResponse, faviconResponse } from '../assets.ts';
import type { Web } from '../context.ts';
import { UploaderPage, uploaderData } from './page.tsx';

/** The home page (the browser uploader) and the page assets it and the others load. */
export function uploaderRoutes(deps: {
  config: Config;
  repos: Pick<Repositories, 'albums'>;
  now: () => Date;
  instance: Instance;
  web: Web;
}) {
  const { config, repos, instance, web } = deps;
  return new Elysia({ name: 'uploader' })
    .get('/', async ({ request }) => {
      const ctx = await web.context(request);
      const user = ctx.signedIn;
      const view = {
        guestUploads: config.guestUploads,
        guestExpiration: config.guestExpiration,
        maxMb: user ? config.maxUploadMbUser : config.maxUploadMbGuest,
        albums: user
          ? (await repos.albums.listOf(user.id, deps.now())).map((row) => row.album)
          : [],
        encodeAlbum: (id: number) => instance.ids.encode(id),
        now: deps.now(),
      };
      return web.render(
        ctx,
        {
          title: ctx.t('upload.title'),
          scripts: ['app', 'uploader'],
          data: uploaderData(ctx, view),
          bodyClass: 'uploader-page',
        },
        UploaderPage({ ctx, view }),
      );
    })
    .get('/favicon.ico', () => faviconResponse())
    .get(
      '/assets/:name',
      ({ params }) => assetResponse(params.name) ?? new Response('Not found', { status: 404 }),
    );
}
