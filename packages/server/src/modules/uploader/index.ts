import { Elysia } from 'elysia';
import type { Config } from '../../config.ts';
import type { Repository } from '../../db/repository.ts';
import type { Instance } from '../../instance.ts';
import { assetResponse } from '../../web/assets.ts';
import type { Web } from '../../web/context.ts';
import { uploaderPage } from '../../web/uploader-page.ts';

/** The home page (the browser uploader) and the page assets it and the others load. */
export function uploaderRoutes(deps: {
  config: Config;
  repo: Repository;
  instance: Instance;
  web: Web;
}) {
  const { config, repo, instance, web } = deps;
  return new Elysia({ name: 'uploader' })
    .get('/', ({ request }) => {
      const ctx = web.context(request);
      const user = ctx.signedIn;
      const view = uploaderPage(ctx, {
        guestUploads: config.guestUploads,
        guestExpiration: config.guestExpiration,
        maxMb: user ? config.maxUploadMbUser : config.maxUploadMbGuest,
        albums: user ? repo.listAlbums(user.id).map((row) => row.album) : [],
        encodeAlbum: (id) => instance.ids.encode(id),
      });
      return web.render(ctx, { title: ctx.t('upload.title'), head: view.head }, view.body);
    })
    .get(
      '/assets/:name',
      ({ params }) => assetResponse(params.name) ?? new Response('Not found', { status: 404 }),
    );
}
