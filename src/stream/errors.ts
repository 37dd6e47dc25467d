import { StripeError } from '../errors.js';
import type { V2MeterEventInput } from '../types.js';

/** An event that failed for good, with the error that ended it. */
export interface MeterEventStreamFailure {
  /** The event as sent (with its identifier and timestamp). */
  event: V2MeterEventInput;
  error: StripeError;
}

/** send() after close(). */
export class MeterEventStreamClosedError extends StripeError {
  override readonly type = 'MeterEventStreamClosedError';
  constructor() {
    super({ message: 'The meter event stream is closed; create a new one to send more events' });
  }
}

/** What flush() and close() reject with when events failed and no onError handler took them. */
export class MeterEventStreamError extends StripeError {
  override readonly type = 'MeterEventStreamError';
  constructor(readonly failures: MeterEventStreamFailure[]) {
    const first = failures[0]?.error.message ?? '';
    super({ message: `${failures.length} meter event(s) failed for good; the first: ${first}`, ...(failures[0] ? { cause: failures[0].error } : {}) });
  }
}
