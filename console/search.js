// Orders: one search box (order id, external order id, tracking number or customer e-mail) and the list with the
// filters of GET /orders, a page at a time (the cursor of each page kept, so "Previous" goes back exactly).
import { api, ApiError, orderPath, query } from './api.js';
import { field, fill, h, select, table } from './dom.js';
import { formatMoney, formatTime } from './format.js';
import { STATUSES } from './queue.js';

const ORDER_ID = /^[a-z0-9_-]{1,32}:[A-Za-z0-9._-]{1,64}$/;

function orderRows(items) {
  return items.map((o) => [
    h('a', { href: `#/order/${encodeURIComponent(o.id)}` }, o.id),
    o.channel,
    o.status,
    o.needsAttention ? `yes (${o.attention?.step ?? ''})` : 'no',
    o.customer?.name ?? '',
    formatTime(o.createdAt),
    h('span', { class: 'num' }, formatMoney(o.totals.total, o.totals.currency)),
  ]);
}
const HEADERS = ['Order', 'Channel', 'Status', 'Needs attention', 'Customer', 'Created', 'Value'];

/** What the box holds decides the calls: an order id is read directly, an e-mail searched as one, else both ids. */
async function find(term) {
  if (ORDER_ID.test(term)) {
    try {
      return [await api('GET', orderPath(term))];
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
    }
  }
  if (term.includes('@')) return (await api('GET', `/orders${query({ email: term, limit: 100 })}`)).items;
  const [byId, byTracking] = await Promise.all([
    api('GET', `/orders${query({ externalOrderId: term, limit: 100 })}`),
    api('GET', `/orders${query({ trackingNumber: term, limit: 100 })}`),
  ]);
  const seen = new Set();
  return [...byId.items, ...byTracking.items].filter((o) => !seen.has(o.id) && seen.add(o.id));
}

export function searchView(main, params) {
  const term = params.get('q') ?? '';
  const box = h('input', { name: 'q', type: 'search', value: term, autocomplete: 'off', placeholder: 'webstore:WS-1, WS-1, YK4839948250 or ayse@example.com' });
  const searchForm = h('form', { class: 'filters', role: 'search' }, field('Order id, external id, tracking number or e-mail', box), h('button', { type: 'submit' }, 'Search'));
  const results = h('div', { 'aria-live': 'polite' });

  const filters = Object.fromEntries(['status', 'channel', 'needsAttention', 'location', 'sort'].map((k) => [k, params.get(k) ?? '']));
  const listForm = h(
    'form',
    { class: 'filters', 'aria-label': 'Order list filters' },
    field('Status', select('status', STATUSES, filters.status)),
    field('Channel', h('input', { name: 'channel', value: filters.channel, autocomplete: 'off', placeholder: 'any' })),
    field('Needs attention', select('needsAttention', [['true', 'yes'], ['false', 'no']], filters.needsAttention)),
    field('Location', h('input', { name: 'location', value: filters.location, autocomplete: 'off', placeholder: 'any' })),
    field('Sort', select('sort', [['newest', 'newest first'], ['oldest', 'oldest first'], ['waiting_longest', 'waiting longest']], filters.sort || 'newest', null)),
    h('button', { type: 'submit' }, 'List'),
  );
  const list = h('div');
  const pager = h('div', { class: 'pager' });
  fill(main, h('h1', {}, 'Orders'), searchForm, results, h('h2', {}, 'All orders'), listForm, list, pager);

  searchForm.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#/search${query({ ...filters, q: box.value.trim() })}`;
  });
  listForm.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#/search${query({ q: term, ...Object.fromEntries(new FormData(listForm)) })}`;
  });

  if (term) {
    fill(results, h('p', { class: 'muted' }, 'Searching…'));
    find(term)
      .then((items) => fill(results, table(`Orders matching “${term}”`, HEADERS, orderRows(items))))
      .catch((err) => fill(results, h('p', { class: 'outcome error', role: 'alert' }, err.message)));
  }

  // The cursor of every page up to the current one (undefined: the first), so "Previous" goes back exactly.
  const stack = [undefined];
  const showPage = async () => {
    try {
      const page = await api('GET', `/orders${query({ ...filters, limit: 25, cursor: stack.at(-1) })}`);
      fill(list, table('Orders', HEADERS, orderRows(page.items)));
      const prev = h('button', { type: 'button', class: 'secondary', disabled: stack.length === 1 }, 'Previous page');
      const next = h('button', { type: 'button', class: 'secondary', disabled: page.nextCursor === null }, 'Next page');
      prev.addEventListener('click', () => {
        stack.pop();
        void showPage();
      });
      next.addEventListener('click', () => {
        stack.push(page.nextCursor);
        void showPage();
      });
      fill(pager, prev, next, h('span', { class: 'muted' }, `page ${stack.length}`));
    } catch (err) {
      fill(list, h('p', { class: 'outcome error', role: 'alert' }, err.message));
    }
  };
  void showPage();
}
