// The script every page runs: copy buttons, gallery selection, and the viewer's zoom, full
// screen and keyboard. The uploader has its own (uploader.ts).
import { copied, copyText } from './dom.ts';

/** `data-copy="<input id>"` copies that field; `data-copy-text` copies its own text. */
document.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target : null;
  const button = target?.closest<HTMLElement>('[data-copy], [data-copy-text]');
  if (!button) return;
  const literal = button.getAttribute('data-copy-text');
  const field =
    literal === null ? document.getElementById(button.getAttribute('data-copy') ?? '') : null;
  const text = literal ?? (field instanceof HTMLInputElement ? field.value : null);
  if (text === null) return;
  event.preventDefault();
  void copyText(text).then(() => copied(button));
});

/** Forms with a selection: "select all", and the count of what is selected. */
for (const form of document.querySelectorAll<HTMLFormElement>('form[data-selection]')) {
  const all = form.querySelector<HTMLInputElement>('[data-select-all]');
  const count = form.querySelector<HTMLElement>('[data-selected-count]');
  const boxes = () => [
    ...form.querySelectorAll<HTMLInputElement>('input[type=checkbox][name=ids]'),
  ];
  const update = () => {
    const chosen = boxes().filter((box) => box.checked).length;
    if (count) count.textContent = (count.dataset.template ?? '{n}').replace('{n}', String(chosen));
    if (all) {
      all.checked = chosen > 0 && chosen === boxes().length;
      all.indeterminate = chosen > 0 && chosen < boxes().length;
    }
  };
  form.addEventListener('change', (event) => {
    if (all && event.target === all) for (const box of boxes()) box.checked = all.checked;
    update();
  });
  update();
}

/** The viewer: zoom to the real size and back, full screen, previous and next by keyboard. */
const stage = document.querySelector<HTMLElement>('[data-stage]');
if (stage) {
  const zoomButton = stage.querySelector<HTMLButtonElement>('[data-zoom]');
  const fullButton = stage.querySelector<HTMLButtonElement>('[data-fullscreen]');
  const media = stage.querySelector<HTMLElement>('.media');

  const toggleZoom = () => {
    if (!zoomButton) return;
    const zoomed = stage.classList.toggle('zoomed');
    zoomButton.setAttribute('aria-pressed', String(zoomed));
    const label = zoomed ? zoomButton.dataset.labelFit : zoomButton.dataset.labelZoom;
    if (label) zoomButton.setAttribute('aria-label', label);
  };
  const toggleFullscreen = () => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void stage.requestFullscreen?.().catch(() => {});
  };
  zoomButton?.addEventListener('click', toggleZoom);
  fullButton?.addEventListener('click', toggleFullscreen);
  if (media instanceof HTMLImageElement) media.addEventListener('click', toggleZoom);

  document.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
    const focus = document.activeElement;
    if (
      focus instanceof HTMLInputElement ||
      focus instanceof HTMLTextAreaElement ||
      focus instanceof HTMLSelectElement
    )
      return;
    const go = (rel: 'prev' | 'next') => {
      const link = document.querySelector<HTMLAnchorElement>(`a[rel=${rel}]`);
      if (link) {
        event.preventDefault();
        window.location.assign(link.href);
      }
    };
    if (event.key === 'ArrowLeft') go('prev');
    else if (event.key === 'ArrowRight') go('next');
    else if (event.key === 'z' || event.key === 'Z') toggleZoom();
    else if (event.key === 'f' || event.key === 'F') toggleFullscreen();
  });
}
