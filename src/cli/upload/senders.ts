// The two ways to send checked rows: the batching v2 stream (default) or one v1 request per event.
// Both settle each row in the ledger, and both offer a barrier: a promise that every row sent
// before it is settled, which is what a checkpoint of the state file waits for.
import type { MeterEventSender, StripeMeters } from '../../index.js';
import { classifyDeliveryError } from '../../internal/delivery.js';
import type { Pending } from './ledger.js';
import type { CheckedEvent } from './row-check.js';

export interface Sender {
  /** Resolves when the row is handed over (waits while the sender is full). */
  send(row: Pending, event: CheckedEvent): Promise<void>;
  barrier(): Promise<void>;
  close(): Promise<void>;
}

/** Called with the first error that means no row can get through (refused key, network gone...). */
export type OnFatal = (error: unknown) => void;

export function settle(row: Pending, error: unknown, onFatal: OnFatal): void {
  // The delivery engine's one classification (the outbox relay reads errors with it too).
  const kind = classifyDeliveryError(error, row.identifier);
  // Stripe's answer to an identifier it already holds (the stream dedupes silently): after an
  // interrupted run, a row that landed before. Not a refusal.
  if (kind === 'duplicate') {
    row.outcome = 'duplicate';
  } else if (kind === 'refused') {
    row.outcome = 'refused';
    row.reason = `refused when sent: ${error instanceof Error ? error.message : String(error)}`;
  } else {
    row.outcome = 'failed';
    onFatal(error);
  }
}

let isoDay = Number.NaN;
let isoDayText = '';
const two = (n: number) => (n < 10 ? `0${n}` : String(n));

/** RFC 3339 for the stream; the date part is formatted once per day (rows come sorted, mostly). */
export function unixToIso(seconds: number): string {
  const day = Math.floor(seconds / 86_400);
  if (day !== isoDay) {
    isoDay = day;
    isoDayText = new Date(day * 86_400_000).toISOString().slice(0, 11);
  }
  const s = seconds - day * 86_400;
  return `${isoDayText}${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}Z`;
}

export class StreamSender implements Sender {
  readonly #stream: MeterEventSender;
  readonly #onFatal: OnFatal;

  constructor(stripe: StripeMeters, find: (identifier: string) => Pending | undefined, onFatal: OnFatal) {
    this.#onFatal = onFatal;
    this.#stream = stripe.meterEventSender({
      onError: ({ event, error }) => {
        const row = event.identifier === undefined ? undefined : find(event.identifier);
        if (row !== undefined) settle(row, error, onFatal);
        else onFatal(error);
      },
    });
  }

  send(row: Pending, event: CheckedEvent): Promise<void> {
    // Not async: the stream answers most sends with one shared resolved promise, and this runs
    // once per row.
    return this.#stream
      .send({ event_name: event.event_name, payload: event.payload, identifier: event.identifier, timestamp: unixToIso(event.timestamp) })
      .then(undefined, (error: unknown) => settle(row, error, this.#onFatal));
  }

  barrier(): Promise<void> {
    return this.#stream.flush();
  }

  close(): Promise<void> {
    return this.#stream.close();
  }
}

export class V1Sender implements Sender {
  readonly #inFlight = new Set<Promise<void>>();

  constructor(
    private readonly stripe: StripeMeters,
    private readonly concurrency: number,
    private readonly onFatal: OnFatal,
  ) {}

  async send(row: Pending, event: CheckedEvent): Promise<void> {
    while (this.#inFlight.size >= this.concurrency) await Promise.race(this.#inFlight);
    const task: Promise<void> = this.stripe.billing.meterEvents
      .create({ event_name: event.event_name, payload: event.payload, identifier: event.identifier, timestamp: event.timestamp })
      .then(
        () => {
          row.outcome = 'accepted';
        },
        (error: unknown) => settle(row, error, this.onFatal),
      )
      .finally(() => this.#inFlight.delete(task));
    this.#inFlight.add(task);
  }

  async barrier(): Promise<void> {
    await Promise.all(this.#inFlight);
  }

  close(): Promise<void> {
    return this.barrier();
  }
}
