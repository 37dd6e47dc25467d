// The outbox's own errors: a store that cannot write rejects record() with one of these, so
// nothing is acknowledged that is not stored.
import { StripeInvalidParameterError } from '../errors.js';
import type { RecordedEvent } from './store.js';

/** Why a store could not do what was asked. */
export type OutboxStoreErrorCode = 'full' | 'read_only' | 'locked' | 'corrupt' | 'io' | 'unavailable' | 'closed' | 'missing' | 'other';

/** A store could not read or write; for record(): the events were not stored. */
export class OutboxStoreError extends Error {
  override readonly name = 'OutboxStoreError';
  constructor(
    readonly code: OutboxStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** record() or start() after close(). */
export class OutboxClosedError extends Error {
  override readonly name = 'OutboxClosedError';
  constructor(message = 'The outbox is closed') {
    super(message);
  }
}

/** close({ signal }) aborted: claims still in flight were given back to the store (none is lost). */
export class OutboxCloseAbortedError extends Error {
  override readonly name = 'OutboxCloseAbortedError';
  constructor(
    readonly released: number,
    options?: { cause?: unknown },
  ) {
    super(`The outbox's close() was aborted; ${released} claimed event(s) were given back to the store and will be delivered by the next relay`, options);
  }
}

const samePayload = (a: RecordedEvent, b: RecordedEvent): boolean => JSON.stringify(Object.entries(a.payload).sort()) === JSON.stringify(Object.entries(b.payload).sort());

/**
 * record() was given an identifier the outbox already holds for another event (another
 * `event_name`, `payload` or given `timestamp`). Stripe keeps only the first event with an identifier and drops the
 * rest without a word, so the new one would never count: it was not stored. `stored` is the
 * event that holds the identifier.
 */
export class OutboxDuplicateIdentifierError extends StripeInvalidParameterError {
  override readonly identifier: string;
  constructor(
    refused: RecordedEvent,
    readonly stored: RecordedEvent,
  ) {
    const what = refused.event_name !== stored.event_name ? `event_name "${stored.event_name}"` : samePayload(refused, stored) ? 'another timestamp' : 'another payload';
    super('identifier', `identifier "${refused.identifier}" is already recorded in the outbox for another event (${what}, timestamp ${stored.timestamp}); Stripe keeps only the first event with an identifier, so this one was not stored. Give each event its own identifier`);
    this.identifier = refused.identifier;
  }

  override get name(): string {
    return 'OutboxDuplicateIdentifierError';
  }
}
