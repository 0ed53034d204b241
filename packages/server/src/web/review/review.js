// The review page: side by side or slider, the diff on or off, and the keyboard.
// J/K (or N/P) move between changed files, V switches the view, D the diff, ← and → move
// the slider of the current file. The page works without it: everything is side by side.
(() => {
  const review = document.getElementById('review');
  if (!review) return;
  const data = JSON.parse(document.getElementById('review-data')?.textContent || '{}');
  const messages = data.messages || {};
  const say = (key, vars) =>
    (messages[key] || key).replace(/\{(\w+)\}/g, (whole, name) =>
      name in vars ? String(vars[name]) : whole,
    );
  const items = [...review.querySelectorAll('li.change')];
  const status = document.getElementById('review-status');
  const diffToggle = document.getElementById('diff-toggle');
  const viewButtons = [...review.querySelectorAll('button[data-view]')];
  let current = -1;

  function setView(view) {
    review.dataset.view = view;
    for (const button of viewButtons) {
      button.setAttribute('aria-pressed', String(button.dataset.view === view));
    }
  }

  function setDiff(on) {
    review.dataset.diff = on ? 'on' : 'off';
    diffToggle?.setAttribute('aria-pressed', String(on));
  }

  function go(index) {
    if (items.length === 0) return;
    current = Math.max(0, Math.min(items.length - 1, index));
    items.forEach((item, i) => {
      item.classList.toggle('current', i === current);
    });
    const item = items[current];
    item.focus({ preventScroll: true });
    item.scrollIntoView({ block: 'start', behavior: 'instant' });
    if (status) {
      status.textContent = say('review.position', {
        n: current + 1,
        total: items.length,
        name: item.dataset.name || '',
      });
    }
  }

  function moveSlider(item, by) {
    const input = item?.querySelector('input.slider');
    if (!input) return;
    input.value = String(Math.max(0, Math.min(100, Number(input.value) + by)));
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }

  for (const button of viewButtons) {
    button.addEventListener('click', () => setView(button.dataset.view));
  }
  diffToggle?.addEventListener('click', () => setDiff(review.dataset.diff !== 'on'));

  review.addEventListener('input', (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.classList.contains('slider')) return;
    input
      .closest('.overlay')
      ?.querySelector('.stack-view')
      ?.style.setProperty('--pos', `${input.value}%`);
  });

  // Clicking or focusing inside a file makes it the current one.
  review.addEventListener('focusin', (event) => {
    const item = event.target instanceof Element ? event.target.closest('li.change') : null;
    if (item) current = items.indexOf(item);
  });

  document.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const target = event.target;
    const typing =
      target instanceof HTMLElement &&
      (target.isContentEditable ||
        target.tagName === 'TEXTAREA' ||
        target.tagName === 'SELECT' ||
        (target.tagName === 'INPUT' && target.getAttribute('type') !== 'range'));
    if (typing) return;
    const key = event.key.toLowerCase();
    if (key === 'j' || key === 'n') go(current + 1);
    else if (key === 'k' || key === 'p') go(current < 0 ? 0 : current - 1);
    else if (key === 'd') setDiff(review.dataset.diff !== 'on');
    else if (key === 'v') setView(review.dataset.view === 'slider' ? 'side' : 'slider');
    else if ((key === 'arrowleft' || key === 'arrowright') && review.dataset.view === 'slider') {
      // A focused range input moves by itself.
      if (target instanceof HTMLInputElement && target.type === 'range') return;
      moveSlider(items[Math.max(0, current)], key === 'arrowleft' ? -5 : 5);
    } else return;
    event.preventDefault();
  });
})();
