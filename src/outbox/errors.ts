// The outbox's own errors: a store that cannot write rejects record() with one of these, so
// nothing is acknowledged that is not stored.

/** Why a store could not do what was asked. */
export type OutboxStoreErrorCode = 'full' | 'read_only' | 'locked' | 'corrupt' | 'io' | 'unavailable' | 'closed' | 'other';

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
