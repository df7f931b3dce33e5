// What every step module of the order workflow works on: the state, the operator desk, the saga and the announcer.
import type { Announcer } from './status';
import type { Operator, OperatorDesk } from './operator';
import type { Saga } from './saga';
import type { OrderState } from './state';

export interface OrderContext {
  s: OrderState;
  desk: OperatorDesk;
  operator: Operator;
  saga: Saga;
  status: Announcer;
}
