// Stock of one SKU: on-hand, reserved and available per location (GET /inventory/{sku}), the open reservations
// holding it and its recent movements; set on-hand or adjust it with a reason, through the same API.
import { api, query } from './api.js';
import { field, fill, h, outcome, showOutcome, table } from './dom.js';
import { formatTime } from './format.js';

const path = (sku, rest = '') => `/inventory/${encodeURIComponent(sku)}${rest}`;

export function stockView(main, sku) {
  const box = h('input', { name: 'sku', value: sku, required: true, autocomplete: 'off', placeholder: 'SKU-1' });
  const form = h('form', { class: 'filters', role: 'search' }, field('SKU', box), h('button', { type: 'submit' }, 'Show'));
  const body = h('div');
  fill(main, h('h1', {}, sku ? `Stock of ${sku}` : 'Stock'), form, body);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#/stock/${encodeURIComponent(box.value.trim())}`;
  });
  if (!sku) return;
  let stopped = false;
  const load = async (messages = {}) => {
    try {
      const [inv, reservations, movements] = await Promise.all([api('GET', path(sku)), api('GET', path(sku, '/reservations')), api('GET', path(sku, `/movements${query({ limit: 20 })}`))]);
      if (stopped) return;
      fill(
        body,
        table(
          `${sku}: ${inv.onHand} on hand, ${inv.reserved} reserved, ${inv.available} available`,
          ['Location', 'On hand', 'Reserved', 'Available'],
          inv.locations.map((l) => [l.location, String(l.onHand), String(l.reserved), String(l.available)]),
          { class: 'stock-locations' },
        ),
        changeForms(sku, inv, messages, load),
        table('Open reservations', ['Order', 'Unit', 'Location', 'Quantity', 'Since'], reservations.items.map((r) => [h('a', { href: `#/order/${encodeURIComponent(r.orderId)}` }, r.orderId), String(r.fulfillment), r.location, String(r.quantity), formatTime(r.since)]), { class: 'reservations' }),
        table('Recent movements, newest first', ['At', 'Location', 'Change', 'Reason', 'Actor', 'Order'], movements.items.map((m) => [formatTime(m.at), m.location, m.delta > 0 ? `+${m.delta}` : String(m.delta), m.reason, m.actor, m.orderId ?? ''])),
      );
    } catch (err) {
      if (!stopped) fill(body, h('p', { class: 'outcome error', role: 'alert' }, err.message));
    }
  };
  void load();
  return () => {
    stopped = true;
  };
}

function changeForms(sku, inv, messages, reload) {
  const locations = inv.locations.map((l) => l.location);
  const locationInput = () => h('input', { name: 'location', required: true, value: locations[0] ?? 'main', list: 'stock-locations', autocomplete: 'off' });
  const make = (name, label, fields, send) => {
    const result = outcome();
    if (messages[name]) showOutcome(result, messages[name].ok, messages[name].text);
    const form = h('form', { class: `action action-${name}`, 'aria-label': label }, fields, h('button', { type: 'submit' }, label), result);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        const after = await send(Object.fromEntries(new FormData(form)));
        await reload({ [name]: { ok: true, text: `Done: ${after.onHand} on hand, ${after.available} available.` } });
      } catch (err) {
        showOutcome(result, false, err.message);
      }
    });
    return form;
  };
  return h(
    'section',
    { class: 'card actions', 'aria-label': 'Change stock' },
    h('datalist', { id: 'stock-locations' }, locations.map((l) => h('option', { value: l }))),
    make('set', 'Set on-hand', [field('Location', locationInput()), field('On hand', h('input', { name: 'onHand', type: 'number', min: 0, step: 1, required: true, inputmode: 'numeric' })), field('Reason', h('input', { name: 'reason', required: true, maxlength: 200, autocomplete: 'off' }))], (d) =>
      api('PUT', path(sku), { onHand: Number(d.onHand), location: d.location, reason: d.reason }),
    ),
    make('adjust', 'Adjust on-hand', [field('Location', locationInput()), field('Change (e.g. -3)', h('input', { name: 'delta', type: 'number', step: 1, required: true, inputmode: 'numeric' })), field('Reason', h('input', { name: 'reason', required: true, maxlength: 200, autocomplete: 'off' }))], (d) =>
      api('POST', path(sku, '/adjustments'), { delta: Number(d.delta), reason: d.reason, location: d.location }),
    ),
  );
}
