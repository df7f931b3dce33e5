// The console's shell: sign-in, navigation and a hash router (#/queue, #/order/<id>, #/search, #/stock/<sku>,
// #/integrations). Each view renders into <main> and may return a stop function (its polling), called on leaving.
import { api, forgetKey, rememberKey, storedKey, unauthorized } from './api.js';
import { fill, h, outcome, showOutcome } from './dom.js';
import { integrationsView } from './integrations.js';
import { orderView } from './order.js';
import { queueView } from './queue.js';
import { searchView } from './search.js';
import { stockView } from './stock.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const signOut = document.getElementById('sign-out');
/** What the server says about itself (the Temporal UI link); fetched at sign-in, which also checks the key. */
const session = { config: null };
let stopView = null;

const ROUTES = [
  [/^#\/queue$/, () => queueView],
  [/^#\/order\/(.+)$/, (m) => (el, params) => orderView(el, decodeURIComponent(m[1]), params, session)],
  [/^#\/search$/, () => searchView],
  [/^#\/stock(?:\/(.*))?$/, (m) => (el, params) => stockView(el, m[1] ? decodeURIComponent(m[1]) : '', params)],
  [/^#\/integrations$/, () => integrationsView],
];

function parseHash() {
  const [path, q = ''] = (location.hash || '#/queue').split('?');
  return { path, params: new URLSearchParams(q) };
}

function render() {
  stopView?.();
  stopView = null;
  if (!storedKey() || session.config === null) return signInView();
  const { path, params } = parseHash();
  for (const link of nav.querySelectorAll('a')) {
    link.toggleAttribute('aria-current', path.startsWith(link.getAttribute('href').split('?')[0]));
  }
  for (const [pattern, view] of ROUTES) {
    const m = pattern.exec(path);
    if (m) {
      stopView = view(m)(main, params) ?? null;
      return;
    }
  }
  location.hash = '#/queue';
}

function signInView() {
  nav.hidden = true;
  signOut.hidden = true;
  const input = h('input', { id: 'key', name: 'key', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const result = outcome();
  const form = h(
    'form',
    { class: 'card sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title' }, 'Sign in'),
    h('p', {}, 'Your operator key is kept in this browser tab only, and forgotten when you sign out or close the tab.'),
    h('div', { class: 'field' }, h('label', { for: 'key' }, 'Operator key'), input),
    h('button', { type: 'submit' }, 'Sign in'),
    result,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    rememberKey(input.value.trim());
    try {
      session.config = await api('GET', '/console/config.json');
      nav.hidden = false;
      signOut.hidden = false;
      render();
    } catch (err) {
      forgetKey();
      showOutcome(result, false, err.message);
    }
  });
  fill(main, form);
  input.focus();
}

signOut.addEventListener('click', () => {
  forgetKey();
  session.config = null;
  location.hash = '#/queue';
  render();
});

unauthorized.addEventListener('unauthorized', () => {
  forgetKey();
  session.config = null;
  render();
});

window.addEventListener('hashchange', () => {
  render();
  main.focus({ preventScroll: true });
});

// A reload keeps the session: the key is still in sessionStorage, so only the config is fetched again.
(async () => {
  if (storedKey()) {
    try {
      session.config = await api('GET', '/console/config.json');
      nav.hidden = false;
      signOut.hidden = false;
    } catch {
      forgetKey();
    }
  }
  render();
})();

document.getElementById('skip').addEventListener('click', () => main.focus());
