// Integrations (GET /integrations): each channel account's stock feed, each marketplace's order pull, each
// connected carrier's tracking sweep and each marketplace's status write-back queue — last success, cursor, backlog
// and last error.
import { api } from './api.js';
import { fill, h, table } from './dom.js';
import { formatTime, relativeTime } from './format.js';

const when = (iso) => (iso ? h('span', { title: formatTime(iso) }, relativeTime(iso)) : 'never');
const error = (e) => (e ? h('span', { class: 'error-text' }, `${e.message} (${relativeTime(e.at)})`) : '—');

export function integrationsView(main) {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  fill(main, h('h1', {}, 'Integrations'), body);
  let stopped = false;
  api('GET', '/integrations')
    .then(({ stockFeeds, orderPulls, carriers, writeBacks = [] }) => {
      if (stopped) return;
      fill(
        body,
        table('Stock feeds', ['Account', 'Last success', 'Last run', 'Last resync', 'Unsent', 'Pending', 'Failed', 'Last error'], stockFeeds.map((f) => [f.account, when(f.lastSuccessAt), when(f.lastRunAt), when(f.lastResyncAt), String(f.backlog.unsent), String(f.backlog.pending), String(f.backlog.failed), error(f.lastError)])),
        table('Order pulls', ['Channel', 'Last success', 'Read up to (cursor)', 'Last error'], orderPulls.map((p) => [p.channel, when(p.lastSuccessAt), p.watermark ? formatTime(p.watermark) : '—', error(p.lastError)])),
        table('Carriers', ['Carrier', 'Last success', 'Last run', 'Open shipments', 'Needs review', 'Last sweep', 'Last error'], carriers.map((c) => [c.carrier, when(c.lastSuccessAt), when(c.lastRunAt), String(c.open), String(c.needsReview), `${c.lastSweep.queried} queried, ${c.lastSweep.signalled} changed`, error(c.lastError)])),
        table('Status write-back', ['Channel', 'Waiting', 'In flight', 'Waiting longest', 'Last push', 'Last refusal'], writeBacks.map((w) => [
          w.channel,
          w.error ? h('span', { class: 'error-text' }, w.error) : String(w.pending ?? '—'),
          String(w.inFlight ?? '—'),
          w.oldestPending ? `${w.oldestPending.orderId} (${w.oldestPending.status})` : '—',
          w.started ? when(w.lastPushedAt) : 'not started',
          w.lastFailure ? h('span', { class: 'error-text' }, `${w.lastFailure.detail}${w.lastFailure.at ? ` (${relativeTime(w.lastFailure.at)})` : ''}`) : '—',
        ])),
      );
    })
    .catch((err) => !stopped && fill(body, h('p', { class: 'outcome error', role: 'alert' }, err.message)));
  return () => {
    stopped = true;
  };
}
