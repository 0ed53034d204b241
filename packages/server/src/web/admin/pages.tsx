/** @jsxImportSource @upshot/server */
import type {
  BannedAddressRow,
  CategoryRow,
  ImageRow,
  InviteRow,
  UserRow,
} from '../../db/schema/index.ts';
import { formatGmt, formatSize } from '../../services/images/formatting.ts';
import type { PresentContext } from '../../services/images/present.ts';
import type { WebContext } from '../context.ts';
import type { Child } from '../jsx/jsx-runtime.ts';
import {
  CopyField,
  CsrfField,
  EmptyState,
  Notice,
  PageHeader,
  PostButton,
} from '../ui/components.tsx';
import { Gallery, SelectAll } from '../ui/gallery.tsx';
import { type IconName, icon } from '../ui/icons.ts';

type Tab = 'dashboard' | 'users' | 'content' | 'invites' | 'addresses' | 'categories';

const TABS: { id: Tab; href: string; icon: IconName; key: Parameters<WebContext['t']>[0] }[] = [
  { id: 'dashboard', href: '/admin', icon: 'layout-dashboard', key: 'admin.dashboard' },
  { id: 'users', href: '/admin/users', icon: 'users', key: 'admin.users' },
  { id: 'content', href: '/admin/content', icon: 'images', key: 'admin.content' },
  { id: 'invites', href: '/admin/invites', icon: 'ticket', key: 'admin.invites' },
  { id: 'addresses', href: '/admin/addresses', icon: 'ban', key: 'admin.addresses' },
  { id: 'categories', href: '/admin/categories', icon: 'tag', key: 'nav.categories' },
];

/** Every admin page: the title, the tabs, and the page. */
export function AdminShell(props: { ctx: WebContext; tab: Tab; title: string; children?: Child }) {
  const { t } = props.ctx;
  return (
    <div class="admin">
      <PageHeader title={props.title} />
      <nav class="tabs" aria-label={t('admin.title')}>
        {TABS.map((tab) => (
          <a href={tab.href} aria-current={tab.id === props.tab ? 'page' : undefined}>
            {icon(tab.icon)}
            <span class="label">{t(tab.key)}</span>
          </a>
        ))}
      </nav>
      {props.children}
    </div>
  );
}

export interface DashboardData {
  images: number;
  bytes: number;
  users: number;
  today: number;
  perDay: { day: string; uploads: number }[];
  uploaders: { userId: number | null; username: string | null; images: number; bytes: number }[];
}

const Stat = (props: { icon: IconName; label: string; value: string }) => (
  <div class="stat card">
    <span class="stat-icon">{icon(props.icon)}</span>
    <span class="stat-value">{props.value}</span>
    <span class="stat-label muted">{props.label}</span>
  </div>
);

export function DashboardPage(props: {
  ctx: WebContext;
  data: DashboardData;
  encode: (id: number) => string;
}) {
  const { ctx, data } = props;
  const { t } = ctx;
  const max = Math.max(1, ...data.perDay.map((d) => d.uploads));
  const number = new Intl.NumberFormat(ctx.locale);
  return (
    <AdminShell ctx={ctx} tab="dashboard" title={t('admin.title')}>
      <div class="stats">
        <Stat icon="images" label={t('admin.stat.images')} value={number.format(data.images)} />
        <Stat icon="hard-drive" label={t('admin.stat.storage')} value={formatSize(data.bytes)} />
        <Stat icon="users" label={t('admin.stat.users')} value={number.format(data.users)} />
        <Stat icon="upload" label={t('admin.stat.today')} value={number.format(data.today)} />
      </div>
      <section class="card" aria-labelledby="per-day-title">
        <h2 id="per-day-title">
          {icon('chart-column')}
          {t('admin.perDay')}
        </h2>
        {data.perDay.some((d) => d.uploads > 0) ? (
          <ol class="chart" data-chart>
            {data.perDay.map((d) => (
              <li
                style={`--h:${Math.round((d.uploads / max) * 100)}%`}
                title={t('admin.perDayBar', { day: d.day, n: d.uploads })}
              >
                <span class="sr-only">{t('admin.perDayBar', { day: d.day, n: d.uploads })}</span>
              </li>
            ))}
          </ol>
        ) : (
          <EmptyState icon="chart-column" title={t('admin.noUploads')} />
        )}
        {data.perDay.length > 0 ? (
          <p class="chart-axis muted small">
            <span>{data.perDay[0]!.day}</span>
            <span>{data.perDay[data.perDay.length - 1]!.day}</span>
          </p>
        ) : null}
      </section>
      <section class="card" aria-labelledby="top-title">
        <h2 id="top-title">
          {icon('users')}
          {t('admin.top')}
        </h2>
        {data.uploaders.length ? (
          <div class="table-wrap">
            <table class="top-uploaders">
              <thead>
                <tr>
                  <th scope="col">{t('admin.col.user')}</th>
                  <th scope="col">{t('admin.col.images')}</th>
                  <th scope="col">{t('admin.col.usage')}</th>
                </tr>
              </thead>
              <tbody>
                {data.uploaders.map((u) => (
                  <tr>
                    <td>
                      {u.userId === null ? (
                        <span class="muted">{t('admin.guests')}</span>
                      ) : (
                        <a href={`/admin/users/${props.encode(u.userId)}`}>{u.username}</a>
                      )}
                    </td>
                    <td>{number.format(u.images)}</td>
                    <td>{formatSize(u.bytes)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <EmptyState icon="users" title={t('admin.content.empty')} />
        )}
      </section>
    </AdminShell>
  );
}

const StatusBadge = (props: { ctx: WebContext; user: UserRow }) => {
  const { t } = props.ctx;
  if (props.user.isAdmin) return <span class="badge badge-admin">{t('admin.status.admin')}</span>;
  if (props.user.isBanned)
    return <span class="badge badge-danger">{t('admin.status.banned')}</span>;
  return <span class="badge badge-ok">{t('admin.status.active')}</span>;
};

const quotaOf = (user: UserRow, defaultMb: number) =>
  user.isAdmin ? 0 : (user.quotaMb ?? defaultMb);

function Usage(props: { bytes: number; quotaMb: number }) {
  const percent =
    props.quotaMb > 0
      ? Math.min(100, Math.round((props.bytes / (props.quotaMb * 1e6)) * 100))
      : null;
  return (
    <span class="usage">
      {formatSize(props.bytes)}
      {percent !== null ? (
        <>
          {' / '}
          {formatSize(props.quotaMb * 1e6)}
          <span class={`meter small${percent >= 90 ? ' full' : ''}`}>
            <span style={`width:${percent}%`} />
          </span>
        </>
      ) : null}
    </span>
  );
}

export function UsersPage(props: {
  ctx: WebContext;
  q: string;
  rows: { user: UserRow; images: number; bytes: number }[];
  total: number;
  page: number;
  pages: number;
  defaultQuotaMb: number;
  encode: (id: number) => string;
}) {
  const { ctx } = props;
  const { t } = ctx;
  return (
    <AdminShell ctx={ctx} tab="users" title={t('admin.users')}>
      <search>
        <form method="get" action="/admin/users" class="search row">
          <label for="user-search" class="sr-only">
            {t('admin.users.search')}
          </label>
          <input
            id="user-search"
            type="search"
            name="q"
            value={props.q}
            placeholder={t('admin.users.search')}
          />
          <button type="submit" class="button secondary">
            {icon('search')}
            <span class="label">{t('field.search')}</span>
          </button>
        </form>
      </search>
      <p class="muted small">{t('admin.users.count', { n: props.total })}</p>
      {props.rows.length ? (
        <div class="table-wrap">
          <table class="users">
            <thead>
              <tr>
                <th scope="col">{t('admin.col.user')}</th>
                <th scope="col">{t('admin.col.images')}</th>
                <th scope="col">{t('admin.col.usage')}</th>
                <th scope="col">{t('admin.col.status')}</th>
                <th scope="col">{t('admin.col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map(({ user, images, bytes }) => (
                <tr data-user={user.username}>
                  <td>
                    <a href={`/admin/users/${props.encode(user.id)}`}>
                      <strong>{user.username}</strong>
                    </a>
                    {user.email ? <span class="muted small block">{user.email}</span> : null}
                  </td>
                  <td>{images}</td>
                  <td>
                    <Usage bytes={bytes} quotaMb={quotaOf(user, props.defaultQuotaMb)} />
                  </td>
                  <td>
                    <StatusBadge ctx={ctx} user={user} />
                  </td>
                  <td class="actions">
                    {user.isAdmin ? null : (
                      <PostButton
                        ctx={ctx}
                        action={`/admin/users/${props.encode(user.id)}/${user.isBanned ? 'unban' : 'ban'}`}
                        formClass="inline"
                        kind={user.isBanned ? 'secondary' : 'danger'}
                        small
                        icon="ban"
                        label={user.isBanned ? t('admin.unban') : t('admin.ban')}
                        target={user.username}
                      />
                    )}
                    <a
                      class="button small secondary"
                      href={`/admin/users/${props.encode(user.id)}`}
                      aria-label={t('a11y.action', {
                        action: t('admin.manage'),
                        target: user.username,
                      })}
                    >
                      {icon('settings')}
                      <span class="label">{t('admin.manage')}</span>
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <EmptyState icon="search" title={t('admin.users.none', { q: props.q })} />
      )}
      <Pager
        ctx={ctx}
        page={props.page}
        pages={props.pages}
        href={(p) => `/admin/users?q=${encodeURIComponent(props.q)}&page=${p}`}
      />
    </AdminShell>
  );
}

function Pager(props: {
  ctx: WebContext;
  page: number;
  pages: number;
  href: (page: number) => string;
}) {
  const { t } = props.ctx;
  if (props.pages <= 1) return null;
  return (
    <nav class="pager row">
      {props.page > 1 ? (
        <a class="button secondary small" href={props.href(props.page - 1)} rel="prev">
          {icon('chevron-left')}
          <span class="label">{t('admin.content.newer')}</span>
        </a>
      ) : null}
      <span class="muted small">
        {props.page} / {props.pages}
      </span>
      {props.page < props.pages ? (
        <a class="button secondary small" href={props.href(props.page + 1)} rel="next">
          <span class="label">{t('admin.content.older')}</span>
          {icon('chevron-right')}
        </a>
      ) : null}
    </nav>
  );
}

export function UserPage(props: {
  ctx: WebContext;
  user: UserRow;
  images: number;
  bytes: number;
  defaultQuotaMb: number;
  resetLink: string | null;
  encode: (id: number) => string;
}) {
  const { ctx, user } = props;
  const { t } = ctx;
  const id = props.encode(user.id);
  const defaultText =
    props.defaultQuotaMb > 0 ? formatSize(props.defaultQuotaMb * 1e6) : t('admin.quotaNone');
  return (
    <AdminShell ctx={ctx} tab="users" title={user.username}>
      <div class="user-summary card">
        <p>
          <StatusBadge ctx={ctx} user={user} /> {user.email ?? ''}
        </p>
        <p class="muted">
          {t('admin.col.joined')}: {formatGmt(user.createdAt)} UTC ·{' '}
          {t('albums.count', { n: props.images })} ·{' '}
          <Usage bytes={props.bytes} quotaMb={quotaOf(user, props.defaultQuotaMb)} />
        </p>
      </div>
      {props.resetLink ? (
        <Notice>
          <p>{t('admin.resetMade', { name: user.username })}</p>
          <CopyField id="reset-link" label={t('admin.reset')} value={props.resetLink} t={t} />
        </Notice>
      ) : null}
      {user.isAdmin ? <Notice kind="info">{t('admin.adminProtected')}</Notice> : null}
      <div class="settings-grid">
        <section class="card" aria-labelledby="quota-title">
          <h2 id="quota-title">
            {icon('hard-drive')}
            {t('admin.quota')}
          </h2>
          <form method="post" action={`/admin/users/${id}/quota`} class="stack">
            <CsrfField ctx={ctx} />
            <label for="quota">{t('admin.quota')}</label>
            <input
              id="quota"
              name="quota"
              inputmode="decimal"
              value={user.quotaMb === null ? '' : String(user.quotaMb)}
              aria-describedby="quota-hint"
            />
            <span id="quota-hint" class="muted small">
              {t('admin.quotaHint', { default: defaultText })}
            </span>
            <button type="submit" class="button primary">
              {t('admin.quotaSave')}
            </button>
          </form>
        </section>
        <section class="card" aria-labelledby="reset-title">
          <h2 id="reset-title">
            {icon('key-round')}
            {t('admin.reset')}
          </h2>
          <p class="muted">{t('admin.resetLead')}</p>
          <PostButton
            ctx={ctx}
            action={`/admin/users/${id}/reset`}
            icon="link"
            label={t('admin.resetMake')}
          />
        </section>
        {user.isAdmin ? null : (
          <section class="card danger-zone" aria-labelledby="delete-title">
            <h2 id="delete-title">
              {icon('trash-2')}
              {t('admin.deleteUser')}
            </h2>
            <PostButton
              ctx={ctx}
              action={`/admin/users/${id}/${user.isBanned ? 'unban' : 'ban'}`}
              formClass="stack"
              kind={user.isBanned ? 'secondary' : 'danger'}
              icon="ban"
              label={user.isBanned ? t('admin.unban') : t('admin.ban')}
            />
            <p class="muted">{t('admin.deleteUserLead', { n: props.images })}</p>
            <PostButton
              ctx={ctx}
              action={`/admin/users/${id}/delete`}
              formClass="stack"
              kind="danger"
              icon="trash-2"
              label={t('admin.deleteUserConfirm', { name: user.username })}
            />
          </section>
        )}
      </div>
    </AdminShell>
  );
}

export function ContentPage(props: {
  ctx: WebContext;
  rows: { image: ImageRow; username: string | null }[];
  page: number;
  pages: number;
  present: PresentContext;
  banned: Set<string>;
}) {
  const { ctx, present } = props;
  const { t } = ctx;
  const owners = new Map(props.rows.map((r) => [r.image.id, r.username]));
  const images = props.rows.map((r) => r.image);
  return (
    <AdminShell ctx={ctx} tab="content" title={t('admin.content')}>
      <p class="muted">{t('admin.content.lead')}</p>
      {images.length ? (
        <form method="post" action="/admin/content/delete" class="stack" data-selection>
          <CsrfField ctx={ctx} />
          <div class="bulk-bar">
            <SelectAll t={t} />
            <button type="submit" class="button danger small">
              {icon('trash-2')}
              <span class="label">{t('albums.deleteSelected')}</span>
            </button>
          </div>
          <Gallery
            rows={images}
            present={present}
            t={t}
            options={{
              select: true,
              extra: (row) => (
                <>
                  <span class="owner">{owners.get(row.id) ?? t('admin.content.guest')}</span>
                  {row.uploaderIp ? (
                    <span class="address">
                      <code>{row.uploaderIp}</code>
                      {props.banned.has(row.uploaderIp) ? (
                        <span class="badge badge-danger">{t('admin.status.banned')}</span>
                      ) : (
                        <button
                          type="submit"
                          class="link small"
                          formaction="/admin/addresses"
                          name="address"
                          value={row.uploaderIp}
                          aria-label={t('admin.content.banAddress', { address: row.uploaderIp })}
                        >
                          {icon('ban')}
                          {t('admin.ban')}
                        </button>
                      )}
                    </span>
                  ) : null}
                </>
              ),
            }}
          />
        </form>
      ) : (
        <EmptyState icon="inbox" title={t('admin.content.empty')} />
      )}
      <Pager
        ctx={ctx}
        page={props.page}
        pages={props.pages}
        href={(p) => `/admin/content?page=${p}`}
      />
    </AdminShell>
  );
}

export function AddressesPage(props: { ctx: WebContext; rows: BannedAddressRow[] }) {
  const { ctx } = props;
  const { t } = ctx;
  return (
    <AdminShell ctx={ctx} tab="addresses" title={t('admin.addresses')}>
      <p class="muted">{t('admin.addresses.lead')}</p>
      {props.rows.length ? (
        <div class="table-wrap">
          <table class="addresses">
            <tbody>
              {props.rows.map((row) => (
                <tr>
                  <td>
                    <code>{row.address}</code>
                  </td>
                  <td class="muted small">{formatGmt(row.createdAt)} UTC</td>
                  <td>
                    <PostButton
                      ctx={ctx}
                      action="/admin/addresses/unban"
                      fields={{ address: row.address }}
                      small
                      label={t('admin.addresses.unban')}
                      target={row.address}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <EmptyState icon="ban" title={t('admin.addresses.none')} />
      )}
      <form method="post" action="/admin/addresses" class="card row wrap">
        <CsrfField ctx={ctx} />
        <label for="ban-address">{t('admin.addresses.add')}</label>
        <input id="ban-address" name="address" required placeholder="203.0.113.7" />
        <button type="submit" class="button danger">
          {icon('ban')}
          <span class="label">{t('admin.ban')}</span>
        </button>
      </form>
    </AdminShell>
  );
}

export function InvitesPage(props: {
  ctx: WebContext;
  mode: 'open' | 'invite' | 'closed';
  rows: { invite: InviteRow; usedByName: string | null }[];
  made: string | null;
  now: Date;
}) {
  const { ctx } = props;
  const { t } = ctx;
  return (
    <AdminShell ctx={ctx} tab="invites" title={t('admin.invites')}>
      <Notice kind="info">{t(`admin.invites.mode.${props.mode}`)}</Notice>
      {props.made ? (
        <Notice>
          <p>{t('admin.invites.made')}</p>
          <CopyField id="invite-link" label={t('admin.invites')} value={props.made} t={t} />
        </Notice>
      ) : null}
      <form method="post" action="/admin/invites" class="card row wrap">
        <CsrfField ctx={ctx} />
        <label for="invite-note">{t('field.note')}</label>
        <input
          id="invite-note"
          name="note"
          maxlength="100"
          placeholder={t('admin.invites.notePlaceholder')}
        />
        <button type="submit" class="button primary">
          {icon('ticket')}
          <span class="label">{t('admin.invites.create')}</span>
        </button>
      </form>
      {props.rows.length ? (
        <div class="table-wrap">
          <table class="invites">
            <tbody>
              {props.rows.map(({ invite, usedByName }) => (
                <tr>
                  <td>{invite.note ?? '—'}</td>
                  <td class="muted small">{formatGmt(invite.createdAt)} UTC</td>
                  <td>
                    {invite.usedAt ? (
                      <span class="badge badge-ok">
                        {t('admin.invites.usedBy', { name: usedByName ?? '—' })}
                      </span>
                    ) : invite.expiresAt <= props.now ? (
                      <span class="badge">{t('admin.invites.expired')}</span>
                    ) : (
                      <span class="muted small">
                        {t('admin.invites.pending', { date: formatGmt(invite.expiresAt) })}
                      </span>
                    )}
                  </td>
                  <td>
                    {invite.usedAt ? null : (
                      <PostButton
                        ctx={ctx}
                        action={`/admin/invites/${invite.id}/revoke`}
                        small
                        label={t('admin.invites.revoke')}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <EmptyState icon="ticket" title={t('admin.invites.none')} />
      )}
    </AdminShell>
  );
}

export function CategoriesPage(props: { ctx: WebContext; categories: CategoryRow[] }) {
  const { ctx } = props;
  const { t } = ctx;
  return (
    <AdminShell ctx={ctx} tab="categories" title={t('categories.title')}>
      {props.categories.length ? (
        <div class="table-wrap">
          <table>
            <tbody>
              {props.categories.map((c) => (
                <tr>
                  <td>{c.name}</td>
                  <td>
                    <code>{c.urlKey}</code>
                  </td>
                  <td class="muted">#{c.id}</td>
                  <td>
                    <PostButton
                      ctx={ctx}
                      action={`/admin/categories/${c.id}/delete`}
                      kind="danger"
                      small
                      label={t('categories.delete')}
                      target={c.name}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <EmptyState icon="tag" title={t('categories.none')} />
      )}
      <form method="post" action="/admin/categories" class="card stack narrow-form">
        <CsrfField ctx={ctx} />
        <h2>{t('categories.add')}</h2>
        <label for="cat-name">{t('field.name')}</label>
        <input id="cat-name" name="name" required maxlength="64" />
        <label for="cat-key">{t('categories.urlKey')}</label>
        <input id="cat-key" name="url_key" required pattern="[a-z0-9\-]{1,64}" maxlength="64" />
        <button type="submit" class="button primary">
          {t('categories.add')}
        </button>
      </form>
    </AdminShell>
  );
}
