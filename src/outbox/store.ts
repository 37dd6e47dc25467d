// What the outbox asks of a store (SQLite, PostgreSQL): one contract, so the relay, the stats and
// the command line are written once. Times are unix milliseconds on the store's clock.

/** An event as recorded: checked, with its identifier and timestamp fixed. */
export interface RecordedEvent {
  identifier: string;
  event_name: string;
  payload: Record<string, string>;
  /** RFC 3339, as it goes on the wire. */
  timestamp: string;
}

/** A row the relay claimed: the event, and what the store knows of its earlier attempts. */
export interface ClaimedEvent extends RecordedEvent {
  id: string;
  /** Claims so far, this one included. */
  attempts: number;
  /** When the first claim was made: a send may have landed from then on. @unit unix ms */
  firstAttemptAt: number;
  recordedAt: number;
}

export interface Claim {
  /** The store's clock when the claim was made. @unit unix ms */
  now: number;
  events: ClaimedEvent[];
}

export interface FailureRecord {
  type: string;
  message: string;
  code?: string | undefined;
  statusCode?: number | undefined;
}

/** What became of claimed events; applied in one transaction. */
export interface Outcome {
  delivered: string[];
  /**
   * Back to pending, tried again from `notBefore`. `unsent`: this claim did not send it (its meters
   * could not be read, its timestamp is not due yet), so the claim's attempt is taken back: an event
   * never sent is never held as "sent 23 hours ago".
   */
  retry: Array<{ id: string; notBefore: number; error: FailureRecord; unsent?: boolean }>;
  /** Moved to the dead-letter table. */
  dead: Array<{ id: string; error: FailureRecord }>;
  /** Kept out of delivery until a person decides (`retry --held`). */
  held: Array<{ id: string; reason: string }>;
}

export interface OutboxStats {
  /** Events recorded (pruned delivered rows are no longer counted). */
  recorded: number;
  /** Waiting for delivery, not claimed. */
  pending: number;
  /** Claimed by a relay whose lease is running. */
  inFlight: number;
  delivered: number;
  /** In the dead-letter table. */
  dead: number;
  /** Held for a decision: may have landed, and resending now could count them twice. */
  held: number;
  /** Undelivered events whose timestamp nears the end of Stripe's 35-day window. */
  nearingWindow: number;
  /** Age of the oldest undelivered event (pending or in flight), 0 when none. @unit milliseconds */
  oldestPendingAgeMs: number;
}

/** A dead letter or a held event, as `dead-letters` shows it. */
export interface Letter extends RecordedEvent {
  id: string;
  state: 'dead' | 'held';
  attempts: number;
  recordedAt: number;
  /** When it was dead-lettered or held. @unit unix ms */
  at: number;
  reason: string;
  error?: FailureRecord | undefined;
}

/** What retry() did. */
export interface RequeueResult {
  /** Back in the outbox, to be sent with their identifiers. */
  requeued: number;
  /** Dead letters left in place: their identifier was recorded again since (see `letters()`). */
  kept: number;
}

export interface StoreOptions {
  /** The caller's transaction (PostgreSQL: a pg client inside BEGIN). */
  client?: unknown;
  /** The outbox's clock when the events were recorded (SQLite's recorded_at; PostgreSQL uses the database clock). @unit unix ms @default Date.now() */
  now?: number;
}

export interface OutboxStore {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Stores the events, one per identifier (a unique index): an event whose identifier the store
   * already holds (pending, held, or delivered and not pruned; earlier in the same call included)
   * is not stored. Resolves once the stored ones are durable (or in the caller's transaction) with,
   * for each event, the event stored under its identifier: the event itself, or the one that held
   * the identifier first. Never fails on a taken identifier (PostgreSQL: no unique violation
   * aborts the caller's transaction).
   */
  insert(events: RecordedEvent[], options?: StoreOptions): Promise<RecordedEvent[]>;
  /** Claims up to `limit` due events for `owner` until `leaseMs` from now. */
  claim(owner: string, limit: number, leaseMs: number, now: number): Promise<Claim>;
  settle(owner: string, outcome: Outcome, now: number): Promise<void>;
  /** Gives claims back without counting an attempt's outcome (a relay closing). */
  release(owner: string, ids: string[]): Promise<void>;
  stats(now: number, nearingBefore: number): Promise<OutboxStats>;
  /** Deletes delivered rows delivered before `before`; returns how many. */
  prune(before: number): Promise<number>;
  letters(options: { state?: 'dead' | 'held'; limit: number }): Promise<Letter[]>;
  /**
   * Puts dead or held events back to pending (all of that state when `ids` is absent). A dead
   * letter whose identifier was recorded again since stays a dead letter (`kept`): resending it
   * would be a second event with that identifier, which Stripe would drop.
   */
  requeue(options: { state: 'dead' | 'held'; ids?: string[] }, now: number): Promise<RequeueResult>;
  /** Marks held events delivered without sending them (a person found them at Stripe); returns how many. */
  markHeldDelivered(ids: string[], now: number): Promise<number>;
  close(): Promise<void>;
}
