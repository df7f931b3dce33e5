// The order page: everything about one order (GET /orders/{id}) and the operator's actions on it. An action is shown
// only when the order's state allows it, goes through the API like any client's, and its outcome — the API's own
// message when refused — is shown beside the button that sent it.
import { api, orderPath } from './api.js';
import { field, fill, h, outcome, select, showOutcome, table } from './dom.js';
import { formatMoney, formatTime, relativeTime, sumMoney } from './format.js';

const CANCELABLE = new Set(['new', 'confirmed', 'picking']);
const CANCEL_REASONS = ['operator_request', 'customer_request', 'channel_request', 'out_of_stock', 'invalid_order'];
const BUCKETS = ['ordered', 'allocated', 'shipped', 'delivered', 'canceled', 'returned', 'refunded'];

export function orderView(main, id, _params, session) {
  let stopped = false;
  fill(main, h('h1', {}, id), h('p', { class: 'muted' }, 'Loading…'));
  const load = async (messages = {}) => {
    try {
      const order = await api('GET', orderPath(id));
      if (stopped) return;
      render(main, order, session, messages, load);
    } catch (err) {
      if (stopped) return;
      fill(main, h('h1', {}, id), h('p', { class: 'outcome error', role: 'alert' }, err.message), h('p', {}, h('a', { href: '#/queue' }, 'Back to the queue')));
    }
  };
  void load();
  return () => {
    stopped = true;
  };
}

function money(order, amount) {
  return amount === undefined || amount === null ? '—' : formatMoney(amount, order.totals.currency);
}

function render(main, order, session, messages, reload) {
  const template = session.config?.workflowUrlTemplate;
  const workflowLink = template ? h('a', { href: template.replace('{orderId}', encodeURIComponent(order.id)), target: '_blank', rel: 'noopener noreferrer' }, 'Workflow in the Temporal UI') : null;
  const c = order.customer ?? {};
  const a = order.shippingAddress ?? {};
  fill(
    main,
    h('div', { class: 'title-row' }, h('h1', {}, `Order ${order.id}`), h('span', { class: `badge status-${order.status}` }, order.status), workflowLink),
    h(
      'dl',
      { class: 'facts' },
      fact('Channel', `${order.channel} · ${order.externalOrderId}`),
      fact('Payment', `${order.paymentMethod} · ${order.paymentStatus}`),
      fact('Total', money(order, order.totals.total)),
      fact('Created', formatTime(order.createdAt)),
      fact('Customer', [c.name, c.email, c.phone].filter(Boolean).join(' · ')),
      fact('Ship to', [a.line1, a.line2, a.district, a.city, a.postalCode, a.country].filter(Boolean).join(', ')),
      order.cancelReason ? fact('Cancel reason', order.cancelReason) : null,
      order.partially ? fact('Partially', Object.entries(order.partially).filter(([, v]) => v).map(([k]) => k).join(', ') || 'no') : null,
    ),
    actions(order, messages, reload),
    linesSection(order),
    fulfillmentSection(order),
    moneySection(order),
    timelineSection(order),
    packagesSection(order),
  );
}

function fact(term, value) {
  return [h('dt', {}, term), h('dd', {}, value)];
}

/** The actions the state allows; each with its own outcome line. */
function actions(order, messages, reload) {
  const section = h('section', { class: 'card actions', 'aria-labelledby': 'actions-title' }, h('h2', { id: 'actions-title' }, 'Actions'));
  const attention = order.attention;
  if (attention) {
    section.append(
      h(
        'div',
        { class: 'attention', role: 'note' },
        h('strong', {}, `Waiting for an operator at ${attention.step}`),
        h('p', {}, attention.reason),
        h('p', { class: 'muted', title: formatTime(attention.since) }, `since ${relativeTime(attention.since)}`),
      ),
    );
    section.append(actionForm('retry', 'Retry the step', [textField('reason', 'Note (optional)', false)], messages, (data) => post(order, 'retry', data.reason ? { reason: data.reason } : {}), reload));
    section.append(actionForm('skip', 'Skip the step', [textField('reason', 'Why skip it (required)', true)], messages, (data) => post(order, 'skip', { reason: data.reason }), reload));
    if (attention.step === 'refund_decision') {
      const decision = select('refundDamaged', [['true', 'Refund the damaged lines'], ['false', 'Decline the refund']], 'true', null);
      section.append(
        actionForm('refund', 'Decide the refund', [field('Decision', decision), textField('reason', 'Why (required)', true)], messages, (data) =>
          post(order, 'refund-decision', { refundDamaged: data.refundDamaged === 'true', reason: data.reason }), reload),
      );
    }
  }
  // Not while a cancel is already unwinding (its compensation is what waits), nor with nothing left to cancel.
  const leftOf = (line) => (line.quantities ? line.quantities.ordered - line.quantities.canceled - line.quantities.shipped : line.quantity);
  const unwinding = attention?.step.startsWith('compensate:') === true;
  if (CANCELABLE.has(order.status) && !unwinding && order.lines.some((line) => leftOf(line) > 0)) {
    const lineInputs = order.fulfillments
      ? order.lines.map((line, i) => {
          const left = leftOf(line);
          return field(`${line.sku} (up to ${left})`, h('input', { type: 'number', name: `line-${i}`, min: 0, max: left, step: 1, value: 0, inputmode: 'numeric', dataset: { sku: line.sku } }));
        })
      : [];
    const reason = select('reason', CANCEL_REASONS, 'operator_request', null);
    section.append(
      actionForm(
        'cancel',
        lineInputs.length > 0 ? 'Cancel (all, or the quantities given)' : 'Cancel the order',
        [field('Reason', reason), lineInputs.length > 0 ? h('fieldset', {}, h('legend', {}, 'Quantities to cancel (all 0: the whole order)'), lineInputs) : null],
        messages,
        (data, form) => {
          const lines = [...form.querySelectorAll('input[data-sku]')].map((input) => ({ sku: input.dataset.sku, quantity: Number(input.value) })).filter((l) => l.quantity !== 0);
          return post(order, 'cancel', lines.length > 0 ? { reason: data.reason, lines } : { reason: data.reason });
        },
        reload,
      ),
    );
  }
  if (section.children.length === 1) section.append(h('p', { class: 'muted' }, 'Nothing to do: the order waits for no one, and can no longer be canceled here.'));
  return section;
}

function textField(name, label, required) {
  return field(label, h('input', { name, required, maxlength: 500, autocomplete: 'off' }));
}

function post(order, action, body) {
  return api('POST', orderPath(order.id, `/${action}`), body);
}

/** A form whose submit calls `send`; the outcome survives the reload that follows a success. */
function actionForm(name, label, fields, messages, send, reload) {
  const result = outcome();
  const button = h('button', { type: 'submit' }, label);
  const form = h('form', { class: `action action-${name}`, 'aria-label': label }, fields, button, result);
  const previous = messages[name];
  if (previous) showOutcome(result, previous.ok, previous.text);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    showOutcome(result, true, 'Sending…');
    try {
      const answer = await send(Object.fromEntries(new FormData(form)), form);
      await reload({ [name]: { ok: true, text: `Done: the order is ${answer?.status ?? 'updated'}${answer?.needsAttention ? `, still waiting at ${answer.attention?.step}` : ''}.` } });
    } catch (err) {
      button.disabled = false;
      showOutcome(result, false, err.message);
    }
  });
  return form;
}

function section(title, ...content) {
  const id = `s-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), content);
}

function linesSection(order) {
  const rows = order.lines.map((l) => [
    l.sku,
    String(l.quantity),
    money(order, l.unitPrice),
    money(order, l.lineTotal),
    ...BUCKETS.map((b) => (l.quantities ? String(l.quantities[b]) : b === 'ordered' ? String(l.quantity) : b === 'returned' ? String(l.returnedQuantity) : b === 'refunded' ? String(l.refundedQuantity) : '—')),
  ]);
  return section('Lines', table('Order lines and where their units are', ['SKU', 'Qty', 'Unit price', 'Line total', ...BUCKETS], rows, { class: 'lines' }));
}

function fulfillmentSection(order) {
  const units = order.fulfillments ?? (order.shipments ?? []).map((s) => ({ id: s.shipmentId, location: 'main', status: s.events.at(-1)?.status ?? 'labelled', carrier: s.carrier, trackingNumber: s.trackingNumber, lines: s.lines, events: s.events }));
  if (units.length === 0) return section('Fulfillment', h('p', { class: 'muted' }, 'No fulfillment units yet.'));
  return section(
    'Fulfillment',
    units.map((u) =>
      h(
        'article',
        { class: 'unit' },
        h('h3', {}, `${u.id} · ${u.location} · ${u.status}`),
        h('p', {}, [u.carrier ? `Carrier ${u.carrier}` : 'No carrier yet', u.trackingNumber ? `tracking ${u.trackingNumber}` : null].filter(Boolean).join(' · ')),
        h('p', { class: 'muted' }, u.lines.map((l) => `${l.sku} ×${l.quantity}`).join(', '), u.detail ? ` — ${u.detail}` : ''),
        u.events.length > 0 ? h('ol', { class: 'events' }, u.events.map((e) => h('li', {}, `${formatTime(e.at)} ${e.status}`))) : null,
      ),
    ),
  );
}

function moneySection(order) {
  const ledger = order.ledger ?? [];
  const of = (kind) => sumMoney(ledger.filter((e) => e.kind === kind).map((e) => e.amount));
  const t = order.totals;
  return section(
    'Money',
    h(
      'dl',
      { class: 'facts money' },
      fact('Authorized', money(order, of('authorization'))),
      fact('Captured', money(order, of('capture'))),
      fact('Voided', money(order, of('void'))),
      fact('Refunded', money(order, t.refunded)),
      fact('Canceled', money(order, t.canceled)),
      fact('Outstanding', money(order, t.outstanding)),
    ),
    table('Ledger', ['At', 'Kind', 'Amount', 'State', 'For', 'Reference'], ledger.map((e) => [formatTime(e.at), e.kind, formatMoney(e.amount, e.currency), e.state, e.reason ?? (e.fulfillment ? `unit ${e.fulfillment}` : ''), e.ref ?? ''])),
  );
}

function timelineSection(order) {
  const rows = [...order.timeline].reverse().map((e) => [formatTime(e.at), e.type, e.status ?? '', e.detail ?? '', e.actor ?? '']);
  return section('Timeline', table('Timeline, newest first', ['At', 'Event', 'Status', 'Detail', 'Actor'], rows, { class: 'timeline' }));
}

function packagesSection(order) {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  api('GET', orderPath(order.id, '/channel-packages'))
    .then(({ packages }) =>
      fill(body, packages.length === 0 ? h('p', { class: 'muted' }, 'No marketplace packages.') : table('Packages', ['Package id', 'Status', 'Current', 'Came from', 'Replaced by'], packages.map((p) => [p.packageId, p.status, p.current ? 'yes' : 'no', p.originPackageIds.join(', '), p.supersededBy.join(', ')]))),
    )
    .catch((err) => fill(body, h('p', { class: 'outcome error' }, err.message)));
  return section('Channel packages', body);
}
