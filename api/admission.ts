// Admission control for new orders. Every order being accepted holds a workflow start and an update that waits for
// its reservation; past what Temporal and the database can finish within OMS_UPDATE_TIMEOUT, more of them only make
// every one of them slower, until all time out and the channels' retries add to the pile (measured with
// `npm run chaos`: 1,000 concurrent orders took 264 s, with 3,110 requests unanswered within 30 s). So at most
// OMS_MAX_PENDING_ORDERS are accepted at once per API process; one more answers 503 with Retry-After at once,
// costing a read-model lookup and nothing else, and the channel's retry comes back when there is room.
import { ApiError } from './errors';

export interface Admission {
  /** Runs `accept` if fewer than the limit run now; otherwise throws a 503 ApiError without running it. */
  run<T>(accept: () => Promise<T>): Promise<T>;
  /** Orders being accepted now. */
  readonly inFlight: number;
}

/** `limit` 0 admits everything (no gate). */
export function createAdmission(limit: number, retryAfterSeconds = 1): Admission {
  let inFlight = 0;
  return {
    get inFlight() {
      return inFlight;
    },
    async run(accept) {
      if (limit > 0 && inFlight >= limit) {
        throw new ApiError('unavailable', `${inFlight} orders are being accepted right now; try again shortly`, undefined, { retryAfterSeconds });
      }
      inFlight += 1;
      try {
        return await accept();
      } finally {
        inFlight -= 1;
      }
    },
  };
}
