/** @jsxImportSource @upshot/server */
// Error pages for people: a browser that follows a dead link gets a page in its language,
// not the API's JSON envelope (API clients still get the envelope).
import type { Translate } from '../../i18n/index.ts';
import { EmptyState, LinkButton } from '../ui/components.tsx';
import type { IconName } from '../ui/icons.ts';

export type ErrorKind = 'not-found' | 'deleted' | 'expired' | 'forbidden' | 'server';

/** The HTTP status of each kind: deleted and expired images are 410 Gone. */
export const ERROR_STATUS: Record<ErrorKind, number> = {
  'not-found': 404,
  deleted: 410,
  expired: 410,
  forbidden: 403,
  server: 500,
};

export function errorTitle(t: Translate, kind: ErrorKind): string {
  switch (kind) {
    case 'deleted':
    case 'expired':
      return t('error.goneTitle');
    case 'forbidden':
      return t('error.forbiddenTitle');
    case 'server':
      return t('error.serverTitle');
    default:
      return t('error.title');
  }
}

export function ErrorPage(props: {
  t: Translate;
  kind: ErrorKind;
  message?: string;
  requestId?: string;
}) {
  const { t, kind } = props;
  const glyph: Record<ErrorKind, IconName> = {
    'not-found': 'image-off',
    deleted: 'image-off',
    expired: 'clock',
    forbidden: 'lock',
    server: 'triangle-alert',
  };
  const lead =
    props.message ??
    (kind === 'deleted'
      ? t('error.goneDeleted')
      : kind === 'expired'
        ? t('error.goneExpired')
        : kind === 'server'
          ? t('error.serverBody')
          : t('error.notFound'));
  return (
    <section class="error-page" data-status={ERROR_STATUS[kind]}>
      <p class="error-code">{ERROR_STATUS[kind]}</p>
      <h1>{errorTitle(t, kind)}</h1>
      <EmptyState icon={glyph[kind]} title={lead}>
        {props.requestId ? (
          <p>
            <code class="request-id">{props.requestId}</code>
          </p>
        ) : null}
        <LinkButton href="/" icon="upload" kind="primary">
          {t('error.home')}
        </LinkButton>
      </EmptyState>
    </section>
  );
}
