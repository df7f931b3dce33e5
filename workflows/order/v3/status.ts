// The v3 announcer: the v2 one (search attributes, read model, customer and channel in the background) with the v3
// transitions (another return after a completed one), and the summary status derived from the units.
import type { OrderStatus } from '../../../contract/types';
import { canTransitionV3 } from '../../../domain/fulfillment';
import { Announcer } from '../status';
import type { OrderStateV3 } from './state';

export class AnnouncerV3 extends Announcer {
  constructor(private readonly state: OrderStateV3) {
    super(state);
  }

  override setStatus(to: OrderStatus, detail?: string): void {
    const s = this.state;
    // An illegal move is a bug in this code: fail the workflow task (retried until fixed code is deployed).
    if (!canTransitionV3(s.order.status, to)) throw new Error(`illegal transition ${s.order.status} -> ${to}`);
    s.order.status = to;
    s.log({ type: 'status_changed', status: to, detail });
    this.announce(to, detail);
  }

  /**
   * The summary follows the units: `shipped` once every live unit has shipped (some shipped is `partially.shipped`
   * in the view, the order stays `picking`). Called whenever a unit moves or the units change.
   */
  followUnits(): void {
    const s = this.state;
    const summary = s.summary;
    if (s.order.status === 'picking' && summary.live > 0 && summary.shipped === summary.live && s.unsourced.length === 0) {
      this.setStatus('shipped', summary.live > 1 ? `all ${summary.live} units shipped` : undefined);
    } else {
      s.publish();
    }
  }
}
