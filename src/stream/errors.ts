import { StripeError } from '../errors.js';
import type { V2MeterEventInput } from '../types.js';

/** An event as the stream sent it: identifier and timestamp filled in. Resend it as is. */
export interface UndeliveredEvent extends V2MeterEventInput {
  identifier: string;
  timestamp: string;
}

/** An event that failed for good, with the error that ended it. */
export interface MeterEventStreamFailure {
  /** The event as sent (with its identifier and timestamp). */
  event: UndeliveredEvent;
  error: StripeError;
}

/** send() after close(). */
export class MeterEventStreamClosedError extends StripeError {
  override readonly type = 'MeterEventStreamClosedError';
  constructor(message = 'The meter event stream is closed; create a new one to send more events') {
    super({ message });
  }
}

/**
 * Events failed for good and no onError handler took them: what send(), flush() and close()
 * reject with. A send() that rejects with it did not buffer its own event.
 */
export class MeterEventStreamError extends StripeError {
  override readonly type = 'MeterEventStreamError';
  constructor(readonly failures: MeterEventStreamFailure[]) {
    const first = failures[0]?.error.message ?? '';
    super({ message: `${failures.length} meter event(s) failed for good; the first: ${first}`, ...(failures[0] ? { cause: failures[0].error } : {}) });
  }
}

/**
 * flush() or close() was aborted by its signal. `undelivered` holds every event not yet known to
 * be accepted (buffered or in flight), in the order they were sent: store them and send them
 * again later (within 24 hours) with the same identifiers, and none is counted twice.
 */
export class MeterEventStreamAbortedError extends StripeError {
  override readonly type = 'MeterEventStreamAbortedError';
  constructor(
    operation: 'flush' | 'close',
    readonly undelivered: UndeliveredEvent[],
    /** Events that failed for good and were not reported yet (no onError). */
    readonly failures: MeterEventStreamFailure[],
    reason: unknown,
  ) {
    super({ message: `The meter event stream's ${operation}() was aborted with ${undelivered.length} event(s) not yet delivered`, cause: reason });
  }
}
