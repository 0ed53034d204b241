// The home page's uploader: drop, paste or pick files, customise each, upload two at a
// time to the same /api/1/upload as any client (the session cookie and the page's CSRF
// token instead of a key), then show every link. Parameters are built and replies read by
// @upshot/client, as the CLI and the GitHub Action do.
import {
  conformImage,
  errorFromReply,
  imageObjectOf,
  isErrorEnvelope,
  toWireParams,
  UpshotError,
} from '@upshot/client';
import { formatSize, type Image, type UploadOptions } from '@upshot/schema';
import { announce, byId, copied, copyText, find, optionalById, pageData } from './dom.ts';

interface PageData {
  messages: Record<string, string>;
  locale: string;
  signedIn: boolean;
  maxBytes: number;
}

type Status = 'queued' | 'uploading' | 'done' | 'failed';

interface Item {
  id: number;
  file: File;
  url: string;
  status: Status;
  loaded: number;
  image: Image | null;
  error: string | null;
  node: HTMLLIElement;
  panel: HTMLFieldSetElement;
  controls: HTMLButtonElement[];
}

const CONCURRENCY = 2;
const EMBEDS = ['viewer', 'direct', 'markdown', 'html', 'bbcode'] as const;
type Embed = (typeof EMBEDS)[number];

const root = optionalById('uploader');
const data = pageData<PageData>();
if (root && data) start(root, data);

function start(root: HTMLElement, data: PageData): void {
  const plural = new Intl.PluralRules(data.locale);
  /** The page's string for a key, with `{name}` values and `{n|one|other}` plurals. */
  const say = (key: string, vars: Record<string, string | number> = {}): string =>
    (data.messages[key] ?? key)
      .replace(
        /\{(\w+)\|([^|{}]*)\|([^|{}]*)\}/g,
        (whole, name: string, one: string, other: string) =>
          name in vars ? (plural.select(Number(vars[name])) === 'one' ? one : other) : whole,
      )
      .replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));

  const endpoint = root.dataset.endpoint ?? '/api/1/upload';
  const csrf = root.dataset.csrf ?? '';
  const input = byId<HTMLInputElement>('file-input');
  const queueSection = byId('queue-section');
  const queueList = byId<HTMLUListElement>('queue');
  const queueCount = byId('queue-count');
  const progressSection = byId('progress-section');
  const progressText = byId('progress-text');
  const progressBar = byId<HTMLProgressElement>('progress-total');
  const results = byId('results');
  const resultList = byId<HTMLUListElement>('result-list');
  const embedKind = byId<HTMLSelectElement>('embed-kind');
  const itemTemplate = byId<HTMLTemplateElement>('queue-item');
  const resultTemplate = byId<HTMLTemplateElement>('result-item');
  const startButton = byId<HTMLButtonElement>('start');
  const clearButton = byId<HTMLButtonElement>('clear');
  const addButton = byId<HTMLButtonElement>('add-more');

  let items: Item[] = [];
  let nextId = 1;
  let running = false;

  const showCount = () => {
    queueCount.textContent = say('upload.queueCount', { n: items.length });
  };

  function setStatus(item: Item, status: Status): void {
    item.status = status;
    item.node.dataset.status = status;
    find(item.node, '[data-status-text]').textContent = say(`upload.status.${status}`);
  }

  function togglePanel(item: Item): void {
    const open = item.panel.hidden;
    item.panel.hidden = !open;
    const toggle = find<HTMLButtonElement>(item.node, '[data-toggle]');
    toggle.setAttribute('aria-expanded', String(open));
    find(toggle, '[data-toggle-label]').textContent = open
      ? say('upload.done')
      : say('upload.customize');
    if (open) item.panel.querySelector<HTMLInputElement>('input')?.focus();
  }

  function addFiles(list: FileList | File[] | null | undefined): void {
    const files = Array.from(list ?? []);
    if (files.length === 0 || running) return;
    if (!results.hidden) resetAll();
    for (const file of files) {
      const id = nextId++;
      const fragment = itemTemplate.content.cloneNode(true) as DocumentFragment;
      const node = find<HTMLLIElement>(fragment, 'li');
      node.dataset.file = file.name;
      const url = URL.createObjectURL(file);
      const preview = find<HTMLImageElement>(node, '[data-preview]');
      if (file.type.startsWith('video/')) {
        const video = document.createElement('video');
        video.muted = true;
        video.preload = 'metadata';
        video.src = url;
        preview.replaceWith(video);
      } else {
        preview.src = url;
      }
      find(node, '[data-name]').textContent = file.name;
      find(node, '[data-size]').textContent = formatSize(file.size);
      // Each file's fields get ids of their own, and their labels follow.
      for (const label of node.querySelectorAll<HTMLLabelElement>('label[for]')) {
        const control = node.querySelector<HTMLElement>(`#${label.htmlFor}`);
        label.htmlFor = `${label.htmlFor}-${id}`;
        if (control) control.id = label.htmlFor;
      }
      const title = node.querySelector<HTMLInputElement>('[data-field=title]');
      if (title) title.placeholder = file.name.replace(/\.[^.]+$/, '');
      const panel = find<HTMLFieldSetElement>(node, '[data-panel]');
      const toggle = find<HTMLButtonElement>(node, '[data-toggle]');
      const remove = find<HTMLButtonElement>(node, '[data-remove]');
      remove.setAttribute(
        'aria-label',
        (remove.getAttribute('aria-label') ?? '').replace('{file}', file.name),
      );
      const item: Item = {
        id,
        file,
        url,
        status: 'queued',
        loaded: 0,
        image: null,
        error: null,
        node,
        panel,
        controls: [toggle, remove],
      };
      toggle.addEventListener('click', () => togglePanel(item));
      find(node, '[data-toggle-preview]').addEventListener('click', () => togglePanel(item));
      remove.addEventListener('click', () => {
        if (running) return;
        URL.revokeObjectURL(url);
        items = items.filter((other) => other !== item);
        node.remove();
        showCount();
        if (items.length === 0) queueSection.hidden = true;
      });
      setStatus(item, 'queued');
      items.push(item);
      queueList.append(node);
    }
    showCount();
    queueSection.hidden = false;
    startButton.focus();
  }

  /** The file's options from its panel, as the client's UploadOptions. */
  function optionsOf(item: Item): UploadOptions {
    const value = (name: string) =>
      item.panel
        .querySelector<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(
          `[data-field="${name}"]`,
        )
        ?.value.trim() ?? '';
    const nonEmpty = (text: string) => (text === '' ? undefined : text);
    const nsfw = item.panel.querySelector<HTMLInputElement>('[data-field=nsfw]')?.checked ?? false;
    return {
      title: nonEmpty(value('title')),
      description: nonEmpty(value('description')),
      tags: nonEmpty(value('tags')),
      album_id: nonEmpty(value('album_id')),
      expiration: nonEmpty(value('expiration')),
      nsfw: nsfw ? true : undefined,
    };
  }

  function updateTotal(): void {
    const total = items.reduce((sum, item) => sum + item.file.size, 0) || 1;
    const loaded = items.reduce(
      (sum, item) =>
        sum +
        (item.status === 'queued' ? 0 : item.status === 'uploading' ? item.loaded : item.file.size),
      0,
    );
    const percent = Math.min(100, Math.round((loaded / total) * 100));
    progressBar.value = percent;
    progressText.textContent = say('upload.progress', { n: items.length, p: percent });
  }

  /** Headers of a finished request, for the client's reply reader. */
  const headersOf = (xhr: XMLHttpRequest): Headers => {
    const headers = new Headers();
    for (const line of xhr
      .getAllResponseHeaders()
      .trim()
      .split(/[\r\n]+/)) {
      const at = line.indexOf(':');
      if (at > 0) headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
    }
    return headers;
  };

  /** The image of a reply, or the message of its error, read as @upshot/client reads it. */
  function readReply(xhr: XMLHttpRequest): { image: Image } | { error: string } {
    const now = Date.now();
    const text = xhr.responseText;
    if (xhr.status >= 200 && xhr.status < 300) {
      try {
        const body: unknown = JSON.parse(text);
        if (!isErrorEnvelope(body)) {
          return { image: conformImage(imageObjectOf(body, xhr.status), now).image };
        }
      } catch (error) {
        if (error instanceof UpshotError) return { error: error.message };
      }
    }
    return { error: errorFromReply(xhr.status, headersOf(xhr), text, now, xhr.statusText).message };
  }

  function upload(item: Item): Promise<void> {
    return new Promise((resolve) => {
      const finish = (image: Image | null, error: string | null) => {
        item.image = image;
        item.error = error;
        find<HTMLProgressElement>(item.node, '[data-progress]').value = 100;
        setStatus(item, image ? 'done' : 'failed');
        if (error) {
          const node = find(item.node, '[data-error]');
          node.textContent = say('upload.errorReason', { reason: error });
          node.hidden = false;
        }
        updateTotal();
        resolve();
      };
      let fields: [string, string][];
      try {
        fields = toWireParams(optionsOf(item));
      } catch (error) {
        finish(null, (error as Error).message);
        return;
      }
      const form = new FormData();
      form.append('source', item.file, item.file.name);
      for (const [name, value] of fields) form.append(name, value);
      const xhr = new XMLHttpRequest();
      xhr.open('POST', endpoint);
      xhr.setRequestHeader('X-CSRF-Token', csrf);
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.addEventListener('progress', (event) => {
        if (!event.lengthComputable) return;
        const share = event.loaded / event.total;
        item.loaded = Math.min(item.file.size, Math.round(share * item.file.size));
        find<HTMLProgressElement>(item.node, '[data-progress]').value = Math.round(share * 100);
        updateTotal();
      });
      xhr.addEventListener('load', () => {
        const reply = readReply(xhr);
        if ('image' in reply) finish(reply.image, null);
        else finish(null, reply.error);
      });
      xhr.addEventListener('error', () => finish(null, say('upload.networkError')));
      xhr.addEventListener('abort', () => finish(null, say('upload.networkError')));
      setStatus(item, 'uploading');
      xhr.send(form);
    });
  }

  async function run(): Promise<void> {
    if (running || items.length === 0) return;
    running = true;
    for (const item of items) {
      for (const control of item.controls) control.disabled = true;
      item.panel.disabled = true;
    }
    startButton.disabled = true;
    clearButton.disabled = true;
    addButton.disabled = true;
    progressSection.hidden = false;
    updateTotal();
    const waiting = items.slice();
    const worker = async () => {
      for (let item = waiting.shift(); item; item = waiting.shift()) await upload(item);
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    running = false;
    showResults();
  }

  /** Embed codes of an uploaded image, the same as the viewer page shows. */
  function embedCodes(image: Image): Record<Embed, string> {
    const shown =
      image.type === 'video' ? image.url_frame || image.thumb.url || image.url : image.url;
    const alt = (image.title || '').replace(/[\][]/g, '');
    const altHtml = alt
      .replace(/&/g, '&amp;')
      .replace(/"/g, '&quot;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/'/g, '&#039;');
    return {
      viewer: image.url_viewer,
      direct: image.url,
      markdown: `[![${alt}](${shown})](${image.url_viewer})`,
      html: `<a href="${image.url_viewer}"><img src="${shown}" alt="${altHtml}"></a>`,
      bbcode: `[url=${image.url_viewer}][img]${shown}[/img][/url]`,
    };
  }

  function showResults(): void {
    const done = items.filter((item) => item.image);
    const failed = items.filter((item) => item.error);
    progressSection.hidden = true;
    queueSection.hidden = true;
    results.hidden = false;
    resultList.replaceChildren();
    resultList.dataset.kind = embedKind.value;
    const title = byId('results-title');
    const summary = byId('results-summary');
    if (done.length === 0) {
      title.textContent = say('upload.noneUploaded');
      summary.textContent = say('upload.noneReason');
    } else {
      title.textContent = say('upload.complete');
      summary.textContent =
        failed.length > 0
          ? `${say('upload.partial')} ${say('upload.failedSummary', { ok: done.length, failed: failed.length })}`
          : '';
    }
    summary.className = failed.length > 0 ? 'error' : '';
    byId('copy-all').hidden = done.length === 0;
    embedKind.closest('.results-tools')?.toggleAttribute('hidden', done.length === 0);
    for (const item of items) {
      if (item.image) {
        const image = item.image;
        const fragment = resultTemplate.content.cloneNode(true) as DocumentFragment;
        const li = find<HTMLLIElement>(fragment, 'li');
        li.dataset.file = item.file.name;
        find<HTMLAnchorElement>(li, '[data-link]').href = image.url_viewer;
        const thumb = find<HTMLImageElement>(li, '[data-thumb]');
        thumb.src = image.thumb.url || image.display_url;
        thumb.alt = image.title || '';
        find(li, '[data-title]').textContent = image.title || image.filename;
        find<HTMLAnchorElement>(li, '[data-open]').href = image.url_viewer;
        const codes = embedCodes(image);
        for (const kind of EMBEDS) {
          const row = find(li, `[data-code="${kind}"]`);
          const field = find<HTMLInputElement>(row, 'input');
          field.id = `code-${item.id}-${kind}`;
          field.value = codes[kind];
          find<HTMLLabelElement>(row, 'label').htmlFor = field.id;
          find(row, '[data-copy]').setAttribute('data-copy', field.id);
        }
        resultList.append(li);
      } else {
        const li = document.createElement('li');
        li.className = 'result failed';
        li.dataset.file = item.file.name;
        const box = document.createElement('div');
        box.className = 'codes';
        const name = document.createElement('strong');
        name.textContent = item.file.name;
        const error = document.createElement('p');
        error.className = 'error';
        error.setAttribute('role', 'alert');
        error.textContent = say('upload.errorReason', { reason: item.error ?? '' });
        box.append(name, error);
        li.append(box);
        resultList.append(li);
      }
    }
    const albumForm = optionalById('album-form');
    if (albumForm) albumForm.hidden = done.length === 0;
    title.focus();
  }

  function resetAll(): void {
    for (const item of items) URL.revokeObjectURL(item.url);
    items = [];
    queueList.replaceChildren();
    resultList.replaceChildren();
    results.hidden = true;
    queueSection.hidden = true;
    progressSection.hidden = true;
    startButton.disabled = false;
    clearButton.disabled = false;
    addButton.disabled = false;
    const albumResult = optionalById('album-result');
    if (albumResult) albumResult.textContent = '';
  }

  const albumForm = optionalById<HTMLFormElement>('album-form');
  albumForm?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const ids = items.flatMap((item) => (item.image ? [item.image.id_encoded] : []));
    const body = new FormData(albumForm);
    if (String(body.get('name') ?? '').trim() === '') body.set('name', say('albums.untitled'));
    body.set('images', ids.join(','));
    const out = byId('album-result');
    const response = await fetch('/albums', {
      method: 'POST',
      body,
      headers: { 'X-CSRF-Token': csrf, Accept: 'application/json' },
    });
    const reply = (await response.json().catch(() => ({}))) as {
      url?: string;
      name?: string;
      error?: string;
    };
    out.replaceChildren();
    if (response.ok && reply.url) {
      const [before = '', after = ''] = say('upload.albumCreated').split('{album}');
      const link = document.createElement('a');
      link.href = reply.url;
      link.textContent = reply.name ?? '';
      out.append(before, link, after);
      albumForm.hidden = true;
    } else {
      const error = document.createElement('span');
      error.className = 'error';
      error.textContent = reply.error ?? `HTTP ${response.status}`;
      out.append(error);
    }
  });

  embedKind.addEventListener('change', () => {
    resultList.dataset.kind = embedKind.value;
  });
  byId<HTMLButtonElement>('copy-all').addEventListener('click', (event) => {
    const kind = embedKind.value as Embed;
    const text = items
      .flatMap((item) => (item.image ? [embedCodes(item.image)[kind]] : []))
      .join('\n');
    void copyText(text).then(() => copied(event.currentTarget as HTMLElement));
  });

  byId('browse').addEventListener('click', () => input.click());
  addButton.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    addFiles(input.files);
    input.value = '';
  });
  startButton.addEventListener('click', () => void run());
  clearButton.addEventListener('click', resetAll);
  byId('more').addEventListener('click', () => {
    resetAll();
    byId('browse').focus();
  });

  // Drop anywhere on the page, or paste from the clipboard.
  let depth = 0;
  const hasFiles = (event: DragEvent) =>
    Array.from(event.dataTransfer?.types ?? []).includes('Files');
  document.addEventListener('dragenter', (event) => {
    if (!hasFiles(event)) return;
    depth++;
    document.body.classList.add('dragging');
  });
  document.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) document.body.classList.remove('dragging');
  });
  document.addEventListener('dragover', (event) => {
    if (hasFiles(event)) event.preventDefault();
  });
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    depth = 0;
    document.body.classList.remove('dragging');
    addFiles(event.dataTransfer?.files);
  });
  document.addEventListener('paste', (event) => {
    const files = Array.from(event.clipboardData?.files ?? []);
    if (files.length > 0) {
      event.preventDefault();
      addFiles(files);
      announce(say('upload.queueCount', { n: items.length }));
    }
  });
  const dropzone = byId('dropzone');
  dropzone.addEventListener('click', (event) => {
    if (event.target === dropzone) input.click();
  });
}
