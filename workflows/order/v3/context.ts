// What every v3 step module works on: the v2 context (desk, operator, order saga, announcer) over the v3 state,
// plus the queue of changes (partial cancels, rejections) that one coordinator applies one at a time.
import type { CancellationScope } from '@temporalio/workflow';
import type { StockLine } from '../../../contract/types';
import type { OrderContext } from '../context';
import type { OrderStateV3 } from './state';
import type { AnnouncerV3 } from './status';

export type Change =
  | { kind: 'cancel'; lines: StockLine[]; reason: string; actor: string; done: boolean }
  | { kind: 'reject'; unitId: string; lines: StockLine[]; reason: string; eventId: string; done: boolean };

export interface V3Context extends OrderContext {
  s: OrderStateV3;
  status: AnnouncerV3;
  /** Waits until the read model holds the current version. */
  persisted: () => Promise<void>;
  /** The order's forward flow; every unit's run is a child of it, so a whole cancel stops them all. */
  mainScope: CancellationScope;
  readonly changes: Change[];
}
