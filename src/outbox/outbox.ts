// createOutbox(): usage recorded durably before it is acknowledged, and a relay that delivers it
// exactly once at Stripe. record() fixes the identifier and timestamp (so every resend is the
// same event to Stripe) and resolves only once the store has the event.
import type { StripeMeters } from '../client.js';
import { StripeInvalidParameterError } from '../errors.js';
import { isClient, prepareEvent, type OutboxEvent } from './deliver.js';
import { OutboxCloseAbortedError, OutboxClosedError, OutboxDuplicateIdentifierError } from './errors.js';
import { timeOrderedIdentifier } from './identifiers.js';
import { Relay } from './relay.js';
import { outboxSettings, TIMESTAMP_WINDOW_MS, type OutboxOptions, type OutboxSettings } from './settings.js';
import type { Letter, OutboxStats, RecordedEvent, RequeueResult } from './store.js';

export interface RecordOptions {
  /**
   * PostgreSQL: a pg client inside your transaction (after BEGIN). The event is inserted with
   * your business write: committed with it, rolled back with it. @default its own statement
   */
  client?: unknown;
}

export interface OutboxCloseOptions {
  /**
   * Bounds the wait for deliveries in flight (`AbortSignal.timeout(ms)`). When it aborts, the
   * sends stop and their claims go back to the store (nothing is lost: the next relay sends them),
   * and close() rejects with an OutboxCloseAbortedError.
   */
  signal?: AbortSignal;
}

export interface Outbox {
  /**
   * Checks the event (the rules every path uses), fixes its identifier and timestamp, stores it,
   * and resolves with the event as stored once it is durable (or, with `{ client }`, once it is
   * in your transaction). Rejects with StripeInvalidParameterError for bad input and with
   * OutboxStoreError when the store cannot write: then nothing was stored.
   *
   * One event per identifier, as at Stripe (which keeps the first event with an identifier and
   * drops the rest): when the outbox already holds the identifier (pending, held, or delivered and
   * not yet pruned; a concurrent record() included), an event with the same `event_name`,
   * `payload` and, when you give one, `timestamp` (the same instant) is that event again: nothing
   * new is stored, and record() resolves with the event as first stored (its timestamp), so a
   * record() retried after an unknown outcome is safe. Another event_name, payload or given
   * timestamp rejects with OutboxDuplicateIdentifierError and stores nothing (in your PostgreSQL
   * transaction, which stays usable).
   */
  record(event: OutboxEvent, options?: RecordOptions): Promise<RecordedEvent>;
  /** Starts this process's relay (idempotent). A process may record without one. */
  start(): void;
  /** Stops the relay after the deliveries in flight settle, then closes the store. */
  close(options?: OutboxCloseOptions): Promise<void>;
  /** Counts from the store (all relays, all processes). */
  stats(): Promise<OutboxStats>;
  /** Dead letters (refused by Stripe, with the error) and held events, oldest first. */
  letters(options?: { state?: 'dead' | 'held'; limit?: number }): Promise<Letter[]>;
  /**
   * Sends dead letters (after you fixed the cause) or held events (after you checked Stripe) again,
   * with their identifiers: all of that state, or those with the given row ids. Resolves with how
   * many went back (`requeued`) and how many dead letters stayed (`kept`): those whose identifier
   * was recorded again since, which Stripe would drop as a second event with that identifier.
   */
  retry(options: { state: 'dead' | 'held'; ids?: string[] }): Promise<RequeueResult>;
  /**
   * The other decision for held events: you found them at Stripe (summaries, the dashboard), so
   * they are marked delivered and never sent again. Resolves with how many.
   */
  markDelivered(options: { ids: string[] }): Promise<number>;
}

/**
 * The same event to Stripe: event_name and payload (a store may keep the payload's keys in another
 * order), and the timestamp when the caller gave one (the same instant). Without one, record()
 * stamped it now: a retried record() of that event is the same event, stamped earlier.
 */
function sameEvent(a: RecordedEvent, b: RecordedEvent, callerTimestamp: boolean): boolean {
  if (a.event_name !== b.event_name) return false;
  if (callerTimestamp && Date.parse(a.timestamp) !== Date.parse(b.timestamp)) return false;
  const keys = Object.keys(a.payload);
  return keys.length === Object.keys(b.payload).length && keys.every((k) => Object.hasOwn(b.payload, k) && a.payload[k] === b.payload[k]);
}

class OutboxImpl implements Outbox {
  readonly #s: OutboxSettings;
  readonly #stripe: StripeMeters;
  #relay: Relay | undefined;
  #closing = false;

  constructor(stripe: StripeMeters, settings: OutboxSettings) {
    this.#stripe = stripe;
    this.#s = settings;
  }

  async record(event: OutboxEvent, options?: RecordOptions): Promise<RecordedEvent> {
    if (this.#closing) throw new OutboxClosedError('The outbox is closed; record() stores nothing after close()');
    if (options !== undefined && (typeof options !== 'object' || options === null)) throw new StripeInvalidParameterError('options', 'record() options must be an object');
    const now = this.#s.now();
    const prepared = prepareEvent(event, now);
    // Checked, so an object; without an identifier of its own, it gets a time-ordered one (identifiers.ts says why).
    if ((event as { identifier?: unknown }).identifier === undefined) prepared.identifier = timeOrderedIdentifier(now);
    const [stored = prepared] = await this.#s.store.insert([prepared], options?.client === undefined ? { now } : { client: options.client, now });
    if (stored !== prepared && !sameEvent(stored, prepared, (event as { timestamp?: unknown }).timestamp !== undefined)) throw new OutboxDuplicateIdentifierError(prepared, stored);
    this.#relay?.poke();
    return stored;
  }

  start(): void {
    if (this.#closing) throw new OutboxClosedError('The outbox is closed; create a new one to start a relay');
    this.#relay ??= new Relay(this.#stripe, this.#s);
    this.#relay.start();
  }

  async close(options?: OutboxCloseOptions): Promise<void> {
    const signal = options?.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new StripeInvalidParameterError('signal', 'signal must be an AbortSignal');
    if (this.#closing) return;
    this.#closing = true;
    const released = this.#relay === undefined ? 0 : await this.#relay.stop(signal);
    await this.#s.store.close();
    if (signal?.aborted) throw new OutboxCloseAbortedError(released, { cause: signal.reason });
  }

  stats(): Promise<OutboxStats> {
    const now = this.#s.now();
    return this.#s.store.stats(now, now - TIMESTAMP_WINDOW_MS + this.#s.warnBeforeWindowMs);
  }

  letters(options: { state?: 'dead' | 'held'; limit?: number } = {}): Promise<Letter[]> {
    return this.#s.store.letters({ limit: options.limit ?? 100, ...(options.state === undefined ? {} : { state: options.state }) });
  }

  async retry(options: { state: 'dead' | 'held'; ids?: string[] }): Promise<RequeueResult> {
    const result = await this.#s.store.requeue(options, this.#s.now());
    this.#relay?.poke();
    return result;
  }

  markDelivered(options: { ids: string[] }): Promise<number> {
    return this.#s.store.markHeldDelivered(options.ids, this.#s.now());
  }
}

/**
 * An outbox on `options.store`: `record()` stores usage durably before it acknowledges it, and
 * `start()` runs a relay that delivers it through `stripe` exactly once at Stripe.
 */
export function createOutbox(stripe: StripeMeters, options: OutboxOptions): Outbox {
  if (!isClient(stripe)) throw new StripeInvalidParameterError('stripe', 'createOutbox needs a StripeMeters client as its first argument');
  return new OutboxImpl(stripe, outboxSettings(options));
}
