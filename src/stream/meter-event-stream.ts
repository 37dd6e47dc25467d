// High-throughput usage reporting over the v2 meter event stream: events are buffered (bounded),
// sent in batches of up to 100 by a few concurrent requests, under one shared session token.
// Every event carries an identifier from the moment it is accepted by send(), so any resend
// (transport retry, expired session, isolating a bad event) is deduplicated by Stripe.
import { StripeConnectionError, StripeError, StripeInvalidRequestError, TemporarySessionExpiredError } from '../errors.js';
import type { Core } from '../internal/core.js';
import { STREAM_PATH } from '../internal/raw-client.js';
import type { V2MeterEventInput, V2MeterEventSession } from '../types.js';
import { MeterEventStreamClosedError, MeterEventStreamError, type MeterEventStreamFailure } from './errors.js';
import { SessionTokens } from './session.js';
import { prepareEvent, streamSettings, type MeterEventStreamEvent, type MeterEventStreamOptions, type MeterEventStreamStats, type StreamSettings } from './settings.js';

export type { MeterEventStreamEvent, MeterEventStreamOptions, MeterEventStreamStats };

/** Events with consecutive sequence numbers from `first` (flush() waits on sequence numbers). */
interface Batch {
  events: V2MeterEventInput[];
  first: number;
}

interface FlushWaiter {
  target: number;
  remaining: number;
  resolve: () => void;
}

const DONE = Promise.resolve();

export class MeterEventStream {
  readonly #core: Core;
  readonly #sessions: SessionTokens;
  readonly #settings: StreamSettings;

  /** Full batches waiting for a free request slot, then the one being filled. */
  #ready: Batch[] = [];
  #filling: Batch = { events: [], first: 0 };
  #seq = 0;
  #inFlight = 0;
  #buffered = 0;
  #urgent = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closing = false;
  #room: Array<() => void> = [];
  #flushes: FlushWaiter[] = [];
  #unreported: MeterEventStreamFailure[] = [];
  #stats = { sent: 0, accepted: 0, failed: 0, retried: 0, batches: 0, peakBuffered: 0 };

  constructor(core: Core, createSession: () => Promise<V2MeterEventSession>, options?: MeterEventStreamOptions) {
    this.#settings = streamSettings(options);
    this.#core = core;
    this.#sessions = new SessionTokens(createSession, this.#settings.refreshMarginMs);
  }

  get stats(): MeterEventStreamStats {
    return { ...this.#stats, sessionsCreated: this.#sessions.created, buffered: this.#buffered };
  }

  /** Buffers one event; waits while the buffer is full. Rejects after close(), or on invalid input. */
  send(event: MeterEventStreamEvent): Promise<void> {
    let wire: V2MeterEventInput;
    try {
      wire = this.#prepare(event);
      // The common case (room in the buffer) allocates no promise: this runs once per event.
      if (this.#buffered < this.#settings.maxBuffered) {
        this.#enqueue(wire);
        return DONE;
      }
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.#sendWhenRoom(wire);
  }

  async #sendWhenRoom(wire: V2MeterEventInput): Promise<void> {
    while (this.#buffered >= this.#settings.maxBuffered && !this.#closing) await new Promise<void>((resolve) => this.#room.push(resolve));
    this.#enqueue(wire);
  }

  /** Sends every event of a (possibly async) iterable, in order, with the same backpressure. */
  async sendMany(events: Iterable<MeterEventStreamEvent> | AsyncIterable<MeterEventStreamEvent>): Promise<number> {
    let n = 0;
    for await (const event of events) {
      if (this.#buffered >= this.#settings.maxBuffered) await this.send(event);
      else this.#enqueue(this.#prepare(event));
      n++;
    }
    return n;
  }

  /** Resolves when every event sent so far has been accepted or has failed for good. */
  async flush(): Promise<void> {
    if (this.#buffered > 0) {
      this.#urgent = true;
      this.#pump();
      await new Promise<void>((resolve) => this.#flushes.push({ target: this.#seq, remaining: this.#buffered, resolve }));
    }
    if (this.#unreported.length > 0) throw new MeterEventStreamError(this.#unreported.splice(0));
  }

  /** Flushes, then stops: later sends reject. */
  async close(): Promise<void> {
    this.#closing = true;
    for (const wake of this.#room.splice(0)) wake();
    try {
      await this.flush();
    } finally {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #prepare(event: MeterEventStreamEvent): V2MeterEventInput {
    if (this.#closing) throw new MeterEventStreamClosedError();
    return prepareEvent(event);
  }

  #enqueue(event: V2MeterEventInput): void {
    if (this.#closing) throw new MeterEventStreamClosedError();
    this.#filling.events.push(event);
    this.#seq++;
    this.#stats.sent++;
    if (++this.#buffered > this.#stats.peakBuffered) this.#stats.peakBuffered = this.#buffered;
    if (this.#filling.events.length >= this.#settings.batchSize) {
      this.#ready.push(this.#filling);
      this.#filling = { events: [], first: this.#seq };
      this.#pump();
    } else {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.#urgent = true;
        this.#pump();
      }, this.#settings.intervalMs);
    }
  }

  #pump(): void {
    while (this.#inFlight < this.#settings.concurrency) {
      let batch = this.#ready.shift();
      if (batch === undefined && this.#urgent && this.#filling.events.length > 0) {
        batch = this.#filling;
        this.#filling = { events: [], first: this.#seq };
      }
      if (batch === undefined) break;
      this.#inFlight++;
      void this.#deliver(batch).finally(() => {
        this.#inFlight--;
        this.#pump();
      });
    }
    if (this.#ready.length === 0 && this.#filling.events.length === 0) {
      this.#urgent = false;
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Sends a batch until each of its events is accepted or failed for good; never rejects. */
  async #deliver(batch: Batch): Promise<void> {
    for (let expiredSessions = 0; ; ) {
      let token: string;
      try {
        token = await this.#sessions.token();
      } catch (error) {
        this.#settle(batch, asStripeError(error));
        return;
      }
      try {
        const result = await this.#core.send<Record<string, never>>(
          'POST',
          { apiKey: token, maxNetworkRetries: this.#settings.retries },
          (init) => this.#core.raw.POST(STREAM_PATH, { ...init, body: { events: batch.events } }),
          { json: true, emptyBody: true },
        );
        this.#stats.retried += (result.lastResponse.attempts - 1) * batch.events.length;
        this.#stats.batches++;
        this.#settle(batch, undefined);
        return;
      } catch (caught) {
        const error = asStripeError(caught);
        this.#stats.retried += Math.max(0, (error.attempts ?? 1) - 1) * batch.events.length;
        if (error instanceof TemporarySessionExpiredError && expiredSessions++ < 3) {
          this.#sessions.expired(token);
          this.#stats.retried += batch.events.length;
          continue;
        }
        const { events, first } = batch;
        if (error instanceof StripeInvalidRequestError && events.length > 1) {
          // One bad event rejects its whole batch: split it until the bad ones stand alone, so the
          // others get through (their identifiers make the resend safe).
          const half = Math.ceil(events.length / 2);
          this.#stats.retried += events.length;
          await this.#deliver({ events: events.slice(0, half), first });
          await this.#deliver({ events: events.slice(half), first: first + half });
          return;
        }
        this.#settle(batch, error);
        return;
      }
    }
  }

  #settle({ events, first }: Batch, error: StripeError | undefined): void {
    const n = events.length;
    if (error === undefined) this.#stats.accepted += n;
    else {
      this.#stats.failed += n;
      for (const event of events) this.#report({ event, error });
    }
    this.#buffered -= n;
    for (const waiter of this.#flushes) {
      // Only this batch's events sent before the flush() call count for it.
      waiter.remaining -= Math.max(0, Math.min(n, waiter.target - first));
      if (waiter.remaining === 0) waiter.resolve();
    }
    if (this.#flushes.length > 0) this.#flushes = this.#flushes.filter((w) => w.remaining > 0);
    while (this.#room.length > 0 && this.#buffered < this.#settings.maxBuffered) this.#room.shift()?.();
  }

  #report(failure: MeterEventStreamFailure): void {
    if (this.#settings.onError === undefined) {
      this.#unreported.push(failure);
      return;
    }
    try {
      this.#settings.onError(failure);
    } catch {
      // A throwing handler must not lose the failure: flush() reports it instead.
      this.#unreported.push(failure);
    }
  }
}

function asStripeError(error: unknown): StripeError {
  return error instanceof StripeError ? error : new StripeConnectionError({ message: 'Meter event stream request failed', cause: error });
}
