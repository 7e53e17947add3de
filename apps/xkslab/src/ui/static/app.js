// The xkslab dashboard's only script (the CSP allows scripts from this origin only, none inline).
// Every page works without it; it adds live panels, copy buttons, confirmations and busy states.

const parser = new DOMParser();

/** Replaces a live panel ([data-refresh]) with a fresh copy from the server, again and again. */
function keepFresh(panel) {
  const delay = Number(panel.dataset.refreshMs || 3000);
  setTimeout(async () => {
    if (!panel.isConnected) return;
    try {
      const res = await fetch(panel.dataset.refresh, {
        credentials: 'same-origin',
        headers: { accept: 'text/html' },
      });
      if (res.status === 401) {
        window.location.reload();
        return;
      }
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const doc = parser.parseFromString(await res.text(), 'text/html');
      const next = doc.body.firstElementChild;
      if (!next) throw new Error('empty answer');
      const fresh = document.importNode(next, true);
      panel.replaceWith(fresh);
      if (fresh.dataset.refresh) keepFresh(fresh);
    } catch {
      panel.classList.add('stale');
      keepFresh(panel);
    }
  }, delay);
}

for (const panel of document.querySelectorAll('[data-refresh]')) keepFresh(panel);

// Confirmation for destructive actions, then a busy state so a slow action shows progress.
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  if (form.method.toLowerCase() !== 'post') return;
  form.classList.add('busy');
  // After the form data is taken: a disabled button would drop out of it.
  setTimeout(() => {
    for (const button of form.querySelectorAll('button')) button.disabled = true;
  }, 0);
});

// Copy buttons: [data-copy] names the element whose text to copy; left empty, the whole value of
// the shortened long value (details.long) the button sits in.
document.addEventListener('click', async (event) => {
  const button = event.target instanceof Element ? event.target.closest('[data-copy]') : null;
  if (!button) return;
  const source = button.dataset.copy
    ? document.getElementById(button.dataset.copy)
    : button.closest('.long')?.querySelector('.full');
  if (!source) return;
  const text = source.textContent.trim();
  const label = button.dataset.label ?? button.textContent;
  button.dataset.label = label;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    button.textContent = 'Selected: press Ctrl+C';
  }
  setTimeout(() => {
    button.textContent = label;
  }, 2000);
});

// Pickers ([data-autosubmit] GET forms) apply as soon as a choice changes.
for (const form of document.querySelectorAll('form[data-autosubmit]')) {
  form.addEventListener('change', () => form.requestSubmit());
  for (const button of form.querySelectorAll('button')) button.hidden = true;
}
