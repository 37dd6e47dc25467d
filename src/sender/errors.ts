import { StripeError } from '../errors.js';
import type { V2MeterEventInput } from '../types.js';

/** An event as the sender sent it: identifier and timestamp filled in. Resend it as is. */
export interface UndeliveredEvent extends V2MeterEventInput {
  identifier: string;
  timestamp: string;
}

/** An event that failed for good, or was not delivered within the retry budget, with the error that ended it. */
export interface MeterEventSenderFailure {
  /** The event as sent (with its identifier and timestamp). */
  event: UndeliveredEvent;
  error: StripeError;
}

/** send() after close(). */
export class MeterEventSenderClosedError extends StripeError {
  override readonly type = 'MeterEventSenderClosedError';
  constructor(message = 'The meter event sender is closed; create a new one to send more events') {
    super({ message });
  }
}

/**
 * Events failed and no onError handler took them: what send(), flush() and close() reject with.
 * A send() that rejects with it did not buffer its own event.
 */
export class MeterEventSenderError extends StripeError {
  override readonly type = 'MeterEventSenderError';
  constructor(readonly failures: MeterEventSenderFailure[]) {
    const first = failures[0]?.error.message ?? '';
    super({ message: `${failures.length} meter event(s) failed; the first: ${first}`, ...(failures[0] ? { cause: failures[0].error } : {}) });
  }
}

/**
 * flush() or close() was aborted by its signal. `undelivered` holds every event not yet known to
 * be accepted (buffered or in flight), in the order they were sent: store them and send them
 * again later (within 24 hours) with the same identifiers, and none is counted twice.
 */
export class MeterEventSenderAbortedError extends StripeError {
  override readonly type = 'MeterEventSenderAbortedError';
  constructor(
    operation: 'flush' | 'close',
    readonly undelivered: UndeliveredEvent[],
    /** Events that failed and were not reported yet (no onError). */
    readonly failures: MeterEventSenderFailure[],
    reason: unknown,
  ) {
    super({ message: `The meter event sender's ${operation}() was aborted with ${undelivered.length} event(s) not yet delivered`, cause: reason });
  }
}
