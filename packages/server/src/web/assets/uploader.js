// Upshot's only script: copy buttons on every page, and the uploader on the home page.
// The uploader posts each file to the same /api/1/upload as any client, authenticated by
// the session cookie and the page's CSRF token; two files go at a time.
(() => {
  const copyText = async (input) => {
    try {
      await navigator.clipboard.writeText(input.value);
    } catch {
      input.select();
      document.execCommand('copy');
    }
  };

  document.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('[data-copy]') : null;
    if (!button) return;
    const input = document.getElementById(button.getAttribute('data-copy'));
    if (!input) return;
    copyText(input).then(() => {
      const label = button.textContent;
      button.textContent = button.getAttribute('data-copied') || label;
      setTimeout(() => {
        button.textContent = label;
      }, 1500);
    });
  });

  const root = document.getElementById('uploader');
  if (!root) return;
  const data = JSON.parse(document.getElementById('uploader-data').textContent);
  const msg = data.messages;
  const say = (key, vars) =>
    (msg[key] || key).replace(/\{(\w+)\}/g, (whole, name) =>
      vars && name in vars ? String(vars[name]) : whole,
    );
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (name === 'text') node.textContent = value;
      else node.setAttribute(name, value === true ? '' : value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  };

  const endpoint = root.getAttribute('data-endpoint');
  const csrf = root.getAttribute('data-csrf');
  const input = $('file-input');
  const queueSection = $('queue-section');
  const queueList = $('queue');
  const progressSection = $('progress-section');
  const progressText = $('progress-text');
  const progressBar = $('progress-total');
  const results = $('results');
  const resultList = $('result-list');
  const dropzone = $('dropzone');
  const CONCURRENCY = 2;
  let items = [];
  let nextId = 1;
  let running = false;

  const formatSize = (bytes) => {
    if (bytes < 1000) return `${bytes} B`;
    const units = ['KB', 'MB', 'GB'];
    let value = bytes / 1000;
    let unit = 0;
    while (value >= 1000 && unit < units.length - 1) {
      value /= 1000;
      unit++;
    }
    return `${value.toFixed(1).replace(/\.0$/, '')} ${units[unit]}`;
  };

  function field(id, label, control) {
    control.id = id;
    return el('div', { class: 'field' }, el('label', { for: id, text: label }), control);
  }

  function customiseFields(item) {
    const n = item.id;
    const title = el('input', {
      name: 'title',
      maxlength: '100',
      placeholder: item.file.name.replace(/\.[^.]+$/, ''),
    });
    const description = el('textarea', { name: 'description', rows: '2' });
    const tags = el('input', { name: 'tags' });
    const expiration = el('select', { name: 'expiration' });
    expiration.append(
      el('option', { value: '', text: data.signedIn ? say('expiry.default') : say('expiry.none') }),
    );
    for (const value of data.expirations)
      expiration.append(el('option', { value, text: say(`expiry.${value}`) }));
    const nsfw = el('input', { type: 'checkbox', name: 'nsfw', value: '1', id: `nsfw-${n}` });
    const box = el(
      'fieldset',
      { class: 'customise', hidden: true },
      field(`title-${n}`, say('field.title'), title),
      field(`description-${n}`, say('field.description'), description),
      field(`tags-${n}`, say('field.tags'), tags),
    );
    if (data.signedIn && data.albums.length > 0) {
      const album = el('select', { name: 'album_id' });
      album.append(el('option', { value: '', text: say('field.noAlbum') }));
      for (const a of data.albums) album.append(el('option', { value: a.id, text: a.name }));
      box.append(field(`album-${n}`, say('field.album'), album));
    }
    box.append(
      field(`expiration-${n}`, say('field.expiration'), expiration),
      el('label', { class: 'check', for: `nsfw-${n}` }, nsfw, ` ${say('field.nsfw')}`),
    );
    return box;
  }

  function addFiles(fileList) {
    const files = Array.from(fileList || []).filter((file) => file && file.size >= 0);
    if (files.length === 0 || running) return;
    if (!results.hidden) resetAll();
    for (const file of files) {
      const id = nextId++;
      const preview = file.type.startsWith('video/')
        ? el('video', {
            muted: true,
            playsinline: true,
            preload: 'metadata',
            'aria-hidden': 'true',
          })
        : el('img', { alt: '' });
      const url = URL.createObjectURL(file);
      preview.src = url;
      preview.className = 'preview';
      const status = el('span', { class: 'status', text: say('upload.status.queued') });
      const bar = el('progress', { max: '100', value: '0', 'aria-label': file.name });
      const error = el('p', { class: 'error', role: 'alert', hidden: true });
      const toggle = el('button', {
        type: 'button',
        class: 'secondary small',
        'aria-expanded': 'false',
        text: say('upload.customize'),
      });
      const remove = el('button', {
        type: 'button',
        class: 'secondary small',
        text: say('upload.remove'),
        'aria-label': `${say('upload.remove')}: ${file.name}`,
      });
      const item = { id, file, url, status: 'queued', loaded: 0, image: null, error: null };
      const box = customiseFields(item);
      const node = el(
        'li',
        { class: 'item', 'data-file': file.name },
        el(
          'button',
          {
            type: 'button',
            class: 'preview-button',
            'aria-label': `${say('upload.customize')}: ${file.name}`,
          },
          preview,
        ),
        el(
          'div',
          { class: 'item-main' },
          el('strong', { class: 'name', text: file.name }),
          el('span', { class: 'muted small', text: ` ${formatSize(file.size)} · ` }),
          status,
          bar,
          error,
          el('div', { class: 'row' }, toggle, remove),
          box,
        ),
      );
      const flip = () => {
        box.hidden = !box.hidden;
        toggle.setAttribute('aria-expanded', String(!box.hidden));
        toggle.textContent = box.hidden ? say('upload.customize') : say('upload.done');
        if (!box.hidden) box.querySelector('input')?.focus();
      };
      toggle.addEventListener('click', flip);
      node.querySelector('.preview-button').addEventListener('click', flip);
      remove.addEventListener('click', () => {
        if (running) return;
        URL.revokeObjectURL(url);
        items = items.filter((other) => other !== item);
        node.remove();
        if (items.length === 0) queueSection.hidden = true;
      });
      Object.assign(item, {
        node,
        statusNode: status,
        bar,
        errorNode: error,
        box,
        controls: [toggle, remove],
      });
      items.push(item);
      queueList.append(node);
    }
    queueSection.hidden = false;
    $('start').focus();
  }

  function setStatus(item, status) {
    item.status = status;
    item.statusNode.textContent = say(`upload.status.${status}`);
    item.node.setAttribute('data-status', status);
  }

  function updateTotal() {
    const total = items.reduce((sum, item) => sum + item.file.size, 0) || 1;
    const loaded = items.reduce(
      (sum, item) =>
        sum +
        (item.status === 'queued' ? 0 : item.status === 'uploading' ? item.loaded : item.file.size),
      0,
    );
    const percent = Math.min(100, Math.round((loaded / total) * 100));
    progressBar.value = percent;
    progressText.textContent = say(items.length === 1 ? 'upload.progressOne' : 'upload.progress', {
      n: items.length,
      p: percent,
    });
  }

  function upload(item) {
    return new Promise((resolve) => {
      const form = new FormData();
      form.append('source', item.file, item.file.name);
      for (const control of item.box.querySelectorAll('input, textarea, select')) {
        if (control.type === 'checkbox') {
          if (control.checked) form.append(control.name, '1');
        } else if (control.value.trim() !== '') {
          form.append(control.name, control.value);
        }
      }
      const xhr = new XMLHttpRequest();
      xhr.open('POST', endpoint);
      xhr.setRequestHeader('X-CSRF-Token', csrf);
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.addEventListener('progress', (event) => {
        if (!event.lengthComputable) return;
        item.loaded = Math.min(
          item.file.size,
          Math.round((event.loaded / event.total) * item.file.size),
        );
        item.bar.value = Math.round((event.loaded / event.total) * 100);
        updateTotal();
      });
      const finish = (image, error) => {
        item.image = image;
        item.error = error;
        item.bar.value = 100;
        setStatus(item, image ? 'done' : 'failed');
        if (error) {
          item.errorNode.textContent = say('upload.errorReason', { reason: error });
          item.errorNode.hidden = false;
        }
        updateTotal();
        resolve();
      };
      xhr.addEventListener('load', () => {
        let reply = null;
        try {
          reply = JSON.parse(xhr.responseText);
        } catch {}
        if (xhr.status === 200 && reply?.image) finish(reply.image, null);
        else finish(null, reply?.error?.message || `HTTP ${xhr.status}`);
      });
      xhr.addEventListener('error', () => finish(null, say('upload.networkError')));
      xhr.addEventListener('abort', () => finish(null, say('upload.networkError')));
      setStatus(item, 'uploading');
      xhr.send(form);
    });
  }

  async function start() {
    if (running || items.length === 0) return;
    running = true;
    for (const item of items) for (const control of item.controls) control.disabled = true;
    $('start').disabled = true;
    $('clear').disabled = true;
    progressSection.hidden = false;
    updateTotal();
    const waiting = items.slice();
    const worker = async () => {
      while (waiting.length > 0) await upload(waiting.shift());
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    running = false;
    showResults();
  }

  function embedCodes(image) {
    const shown =
      image.type === 'video' ? image.url_frame || image.thumb.url || image.url : image.url;
    const alt = (image.title || '').replace(/[\][]/g, '');
    const altHtml = alt.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
    return [
      ['viewer', say('embed.viewer'), image.url_viewer],
      ['direct', say('embed.direct'), image.url],
      ['markdown', say('embed.markdown'), `[![${alt}](${shown})](${image.url_viewer})`],
      [
        'html',
        say('embed.html'),
        `<a href="${image.url_viewer}"><img src="${shown}" alt="${altHtml}"></a>`,
      ],
      ['bbcode', say('embed.bbcode'), `[url=${image.url_viewer}][img]${shown}[/img][/url]`],
    ];
  }

  function showResults() {
    const done = items.filter((item) => item.image);
    const failed = items.filter((item) => item.error);
    progressSection.hidden = true;
    queueSection.hidden = true;
    results.hidden = false;
    resultList.replaceChildren();
    const title = $('results-title');
    const summary = $('results-summary');
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
    for (const item of items) {
      const li = el('li', {
        class: item.image ? 'result ok' : 'result failed',
        'data-file': item.file.name,
      });
      if (item.image) {
        const image = item.image;
        li.append(
          el(
            'a',
            { href: image.url_viewer, class: 'result-thumb' },
            el('img', { src: image.thumb.url || image.display_url, alt: image.title || '' }),
          ),
        );
        const codes = el(
          'div',
          { class: 'codes' },
          el('strong', { text: image.title || image.filename }),
        );
        for (const [kind, label, value] of embedCodes(image)) {
          const id = `code-${item.id}-${kind}`;
          codes.append(
            el(
              'div',
              { class: 'copy-row' },
              el('label', { for: id, text: label }),
              el(
                'div',
                { class: 'copy-field' },
                el('input', { id, class: 'code', readonly: true, value, 'data-kind': kind }),
                el('button', {
                  type: 'button',
                  class: 'secondary',
                  'data-copy': id,
                  'data-copied': say('upload.copied'),
                  text: say('upload.copy'),
                }),
              ),
            ),
          );
        }
        li.append(codes);
      } else {
        li.append(
          el(
            'div',
            { class: 'codes' },
            el('strong', { text: item.file.name }),
            el('p', {
              class: 'error',
              role: 'alert',
              text: say('upload.errorReason', { reason: item.error }),
            }),
          ),
        );
      }
      resultList.append(li);
    }
    const albumForm = $('album-form');
    if (albumForm) albumForm.hidden = done.length === 0;
    title.focus();
  }

  function resetAll() {
    for (const item of items) URL.revokeObjectURL(item.url);
    items = [];
    queueList.replaceChildren();
    resultList.replaceChildren();
    results.hidden = true;
    queueSection.hidden = true;
    progressSection.hidden = true;
    $('start').disabled = false;
    $('clear').disabled = false;
    const albumResult = $('album-result');
    if (albumResult) albumResult.textContent = '';
  }

  const albumForm = $('album-form');
  if (albumForm) {
    albumForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      const ids = items.filter((item) => item.image).map((item) => item.image.id_encoded);
      const body = new FormData(albumForm);
      if (String(body.get('name') || '').trim() === '') body.set('name', say('albums.untitled'));
      body.set('images', ids.join(','));
      const out = $('album-result');
      const response = await fetch('/albums', {
        method: 'POST',
        body,
        headers: { 'X-CSRF-Token': csrf, Accept: 'application/json' },
      });
      const reply = await response.json().catch(() => ({}));
      out.replaceChildren();
      if (response.ok) {
        const [before, after] = say('upload.albumCreated').split('{album}');
        out.append(before, el('a', { href: reply.url, text: reply.name }), after || '');
        albumForm.hidden = true;
      } else {
        out.append(el('span', { class: 'error', text: reply.error || `HTTP ${response.status}` }));
      }
    });
  }

  $('browse').addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    addFiles(input.files);
    input.value = '';
  });
  $('start').addEventListener('click', start);
  $('clear').addEventListener('click', resetAll);
  $('more').addEventListener('click', () => {
    resetAll();
    $('browse').focus();
  });

  // Drop anywhere on the page, paste from the clipboard.
  let depth = 0;
  const hasFiles = (event) => Array.from(event.dataTransfer?.types || []).includes('Files');
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
    const files = Array.from(event.clipboardData?.files || []);
    if (files.length > 0) {
      event.preventDefault();
      addFiles(files);
    }
  });
  dropzone.addEventListener('click', (event) => {
    if (event.target === dropzone) input.click();
  });
})();
