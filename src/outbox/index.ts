// stripe-meters/outbox (Node only, behind the package's conditions): usage recorded durably before
// it is acknowledged, delivered exactly once at Stripe by a relay. The stores are their own entry
// points (stripe-meters/outbox/sqlite, stripe-meters/outbox/postgres), each with its own optional
// peer dependency; nothing here imports either.
export { createOutbox, type Outbox, type OutboxCloseOptions, type RecordOptions } from './outbox.js';
export type { OutboxEvent } from './deliver.js';
export type { OutboxNotice, OutboxOptions } from './settings.js';
export type { Letter, OutboxStats, OutboxStore, RecordedEvent, RequeueResult } from './store.js';
export { OutboxCloseAbortedError, OutboxClosedError, OutboxDuplicateIdentifierError, OutboxStoreError, type OutboxStoreErrorCode } from './errors.js';
