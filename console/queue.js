// The attention queue (the landing view): every order waiting for an operator, the longest-waiting first
// (GET /orders?sort=waiting_longest), with the counts per step (GET /orders/attention). It refreshes every few
// seconds by updating the rows in place — keyed by order id, text changed only where it changed — so the operator's
// scroll position, focus and filters survive a refresh and nothing jumps.
import { api, orderPath, query } from './api.js';
import { field, fill, h, select } from './dom.js';
import { formatMoney, formatTime, relativeTime } from './format.js';

export const STATUSES = ['new', 'confirmed', 'picking', 'shipped', 'delivered', 'canceled', 'return_pending', 'return_completed'];
const REFRESH_MS = 5000;
const PAGE = 100;

const COLUMNS = ['Order', 'Step', 'Reason', 'Since', 'Channel', 'Status', 'Value'];

function cells(order) {
  const a = order.attention ?? { step: '', reason: '', since: '' };
  return [
    { key: 'order', node: () => h('a', { href: `#/order/${encodeURIComponent(order.id)}` }, order.id), text: order.id },
    { key: 'step', text: a.step },
    { key: 'reason', text: a.reason },
    { key: 'since', text: relativeTime(a.since), title: formatTime(a.since) },
    { key: 'channel', text: order.channel },
    { key: 'status', text: order.status },
    { key: 'value', text: formatMoney(order.totals.total, order.totals.currency), class: 'num' },
  ];
}

/** Makes `tbody` show `orders` in order, reusing the row of each order already shown. */
function updateRows(tbody, orders) {
  const existing = new Map([...tbody.querySelectorAll('tr[data-id]')].map((tr) => [tr.dataset.id, tr]));
  tbody.querySelector('tr.empty-row')?.remove();
  let previous = null;
  for (const order of orders) {
    let tr = existing.get(order.id);
    existing.delete(order.id);
    if (!tr) {
      tr = h('tr', { dataset: { id: order.id } });
      for (const c of cells(order)) tr.append(h('td', { class: c.class, title: c.title, dataset: { col: c.key } }, c.node ? c.node() : c.text));
    } else {
      for (const c of cells(order)) {
        const td = tr.querySelector(`td[data-col="${c.key}"]`);
        if (!c.node && td.textContent !== c.text) td.textContent = c.text;
        if (c.title !== undefined && td.title !== c.title) td.title = c.title;
      }
    }
    // Move only rows that are out of place, so a focused link is not detached needlessly.
    const want = previous ? previous.nextElementSibling : tbody.firstElementChild;
    if (want !== tr) tbody.insertBefore(tr, want);
    previous = tr;
  }
  for (const tr of existing.values()) tr.remove();
  if (orders.length === 0) tbody.append(h('tr', { class: 'empty-row' }, h('td', { colspan: COLUMNS.length, class: 'empty' }, 'Nothing waits for an operator.')));
}

export function queueView(main, params) {
  const filters = {
    channel: params.get('channel') ?? '',
    status: params.get('status') ?? '',
    step: params.get('step') ?? '',
    location: params.get('location') ?? '',
  };
  const channel = h('input', { name: 'channel', value: filters.channel, placeholder: 'any', autocomplete: 'off' });
  const status = select('status', STATUSES, filters.status);
  const step = select('step', filters.step ? [filters.step] : [], filters.step);
  const locationSelect = select('location', filters.location ? [filters.location] : [], filters.location);
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Queue filters' },
    field('Channel', channel),
    field('Status', status),
    field('Step', step),
    field('Location', locationSelect),
    h('button', { type: 'submit' }, 'Apply'),
  );
  const counts = h('ul', { class: 'counts', 'aria-label': 'Orders waiting per step' });
  const tbody = h('tbody');
  const updated = h('span', { class: 'updated', 'aria-live': 'off' }, '');
  const errorLine = h('p', { class: 'outcome error', role: 'alert', hidden: true });
  const total = h('span', { class: 'total' });
  fill(
    main,
    h('div', { class: 'title-row' }, h('h1', {}, 'Attention queue'), total, updated),
    form,
    counts,
    errorLine,
    h(
      'div',
      { class: 'table-wrap' },
      h('table', { class: 'queue' }, h('caption', { class: 'visually-hidden' }, 'Orders waiting for an operator, longest-waiting first'), h('thead', {}, h('tr', {}, COLUMNS.map((c) => h('th', { scope: 'col' }, c)))), tbody),
    ),
  );

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    location.hash = `#/queue${query(data)}`;
  });

  // Locations for the filter, once; the current choice is kept even if it is not (yet) a known location.
  api('GET', '/locations')
    .then(({ items }) => {
      const ids = [...new Set([...items.map((l) => l.id), ...(filters.location ? [filters.location] : [])])];
      fill(locationSelect, h('option', { value: '' }, 'any'), ids.map((id) => h('option', { value: id, selected: id === filters.location }, id)));
    })
    .catch(() => undefined);

  let timer = null;
  let stopped = false;
  const refresh = async () => {
    try {
      const summaryQuery = { channel: filters.channel, status: filters.status, location: filters.location };
      const [summary, page] = await Promise.all([
        api('GET', `/orders/attention${query(summaryQuery)}`),
        api('GET', `/orders${query({ ...filters, sort: 'waiting_longest', limit: PAGE })}`),
      ]);
      if (stopped) return;
      errorLine.hidden = true;
      total.textContent = `${summary.total} waiting${summary.total > page.items.length ? `, the ${page.items.length} longest shown` : ''}`;
      fill(
        counts,
        summary.steps.map((s) =>
          h('li', {}, h('a', { href: `#/queue${query({ ...filters, step: s.step })}`, 'aria-current': s.step === filters.step ? 'true' : null }, `${s.step} `, h('span', { class: 'count' }, String(s.count)))),
        ),
      );
      // Keep the step list stable: the chosen step stays even when nothing waits there any more.
      const steps = [...new Set([...summary.steps.map((s) => s.step), ...(filters.step ? [filters.step] : [])])];
      const shown = [...step.options].slice(1).map((o) => o.value);
      if (shown.join('\n') !== steps.join('\n') && document.activeElement !== step) {
        fill(step, h('option', { value: '' }, 'any'), steps.map((s) => h('option', { value: s, selected: s === filters.step }, s)));
      }
      updateRows(tbody, page.items);
      updated.textContent = `updated ${new Date().toLocaleTimeString('tr-TR', { timeZone: 'Europe/Istanbul' })}`;
    } catch (err) {
      if (stopped) return;
      errorLine.hidden = false;
      errorLine.textContent = `Could not refresh: ${err.message}`;
    } finally {
      if (!stopped) timer = setTimeout(refresh, REFRESH_MS);
    }
  };
  void refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
