// High-throughput usage reporting over the v2 meter event stream: events are buffered (bounded),
// sent in batches of up to 100 by a few concurrent requests, under one shared session token.
// Every event carries an identifier from the moment send() takes it, so any resend (a retry, an
// expired session, isolating a bad event, a caller resending what an aborted close() handed
// back) is deduplicated by Stripe. No event leaves without an outcome: accepted, failed (to
// onError, or surfaced on the next call, or printed), or handed back by an aborted close().
import { StripeAPIError, StripeInvalidParameterError, type StripeError } from '../errors.js';
import type { Core } from '../internal/core.js';
import { prepareStreamEvent } from '../internal/meter-events.js';
import { checkShutdownOptions } from '../internal/check-options.js';
import { deliver, type Batch, type Delivery } from './delivery.js';
import { MeterEventStreamAbortedError, MeterEventStreamClosedError, MeterEventStreamError, type UndeliveredEvent } from './errors.js';
import { Failures } from './failures.js';
import { SessionTokens } from './session.js';
import { streamSettings, type MeterEventStreamEvent, type MeterEventStreamOptions, type MeterEventStreamStats, type StreamSettings } from './settings.js';

export type { MeterEventStreamEvent, MeterEventStreamOptions, MeterEventStreamStats };

/** Options of flush() and close(). */
export interface ShutdownOptions {
  /**
   * Bounds the wait (`AbortSignal.timeout(ms)`). When it aborts, the call rejects with a
   * MeterEventStreamAbortedError holding every event not yet known to be accepted; close() also
   * stops every request in flight.
   */
  signal?: AbortSignal;
}

interface FlushWaiter {
  target: number;
  remaining: number;
  resolve: () => void;
  reject: (error: MeterEventStreamAbortedError) => void;
}

/** A batch split to isolate bad events settles in parts; the parts are marked on the batch sent. */
interface SentBatch extends Batch {
  settled?: Set<UndeliveredEvent>;
}

const DONE = Promise.resolve();

export class MeterEventStream {
  readonly #core: Core;
  readonly #settings: StreamSettings;
  readonly #sessions: SessionTokens;
  readonly #abort = new AbortController();
  readonly #delivery: Delivery;
  readonly #failures: Failures;

  /** Full batches waiting for a free request slot, then the one being filled. */
  #ready: SentBatch[] = [];
  #filling: SentBatch = { events: [], first: 0 };
  readonly #inFlight = new Set<SentBatch>();
  #seq = 0;
  #buffered = 0;
  #urgent = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closing = false;
  /** send() calls waiting for room, first come first served: `#room[#roomHead]` is next. */
  #room: Array<() => void> = [];
  #roomHead = 0;
  #flushes: FlushWaiter[] = [];
  readonly #stats = { sent: 0, accepted: 0, failed: 0, returned: 0, retried: 0, batches: 0, peakBuffered: 0 };

  private constructor(core: Core, options: MeterEventStreamOptions | undefined) {
    this.#settings = streamSettings(options);
    this.#failures = new Failures(this.#settings.onError);
    this.#core = core;
    const signal = this.#abort.signal;
    this.#sessions = new SessionTokens(async () => {
      const session = await core.request('POST', '/v2/billing/meter_event_session', {}, { maxNetworkRetries: 0, signal });
      const token: unknown = session.authentication_token;
      if (typeof token !== 'string' || token === '') {
        // A broken answer, retried like one (within the events' budget).
        const { statusCode, headers, requestId, attempts } = session.lastResponse;
        throw new StripeAPIError({ message: `Stripe answered HTTP ${statusCode} to a session request without an authentication_token`, statusCode, headers, requestId, attempts });
      }
      core.holdToken(token);
      return session;
    }, this.#settings.refreshMarginMs);
    this.#delivery = { core, sessions: this.#sessions, budgetMs: this.#settings.budgetMs, signal, stats: this.#stats, settle: (batch, error) => this.#settle(batch, error) };
  }

  /** @internal */
  static of(core: Core, options: MeterEventStreamOptions | undefined): MeterEventStream {
    return new MeterEventStream(core, options);
  }

  get stats(): MeterEventStreamStats {
    return { ...this.#stats, sessionsCreated: this.#sessions.created, buffered: this.#buffered };
  }

  /**
   * Buffers one event (identifier and timestamp filled in); waits while the buffer is full.
   * Rejects after close(), on invalid input, or with a MeterEventStreamError when earlier events
   * failed and no onError took them: then this event was not buffered.
   */
  send(event: MeterEventStreamEvent): Promise<void> {
    try {
      if (this.#closing) throw new MeterEventStreamClosedError();
      if (this.#failures.kept > 0) throw new MeterEventStreamError(this.#failures.take());
      const wire = prepareStreamEvent(event, this.#core.config.now());
      // The common case (room in the buffer) allocates no promise: this runs once per event.
      if (this.#buffered < this.#settings.maxBuffered) {
        this.#enqueue(wire);
        return DONE;
      }
      return this.#sendWhenRoom(wire);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  async #sendWhenRoom(wire: UndeliveredEvent): Promise<void> {
    while (this.#buffered >= this.#settings.maxBuffered && !this.#closing) await new Promise<void>((resolve) => this.#room.push(resolve));
    this.#enqueue(wire);
  }

  /** Wakes up to `n` waiting send() calls (all of them when closing). */
  #wake(n: number): void {
    for (let left = n; left > 0 && this.#roomHead < this.#room.length; left--) this.#room[this.#roomHead++]?.();
    // Drop the woken ones from the front now and then, not on every wake (a shift is O(n)).
    if (this.#roomHead > 1024 && this.#roomHead * 2 > this.#room.length) {
      this.#room = this.#room.slice(this.#roomHead);
      this.#roomHead = 0;
    }
  }

  /**
   * Sends every event of a (possibly async) iterable, in order, with the same backpressure;
   * resolves with how many it took. Earlier failures do not stop it: they surface on flush().
   */
  async sendMany(events: Iterable<MeterEventStreamEvent> | AsyncIterable<MeterEventStreamEvent>): Promise<number> {
    let n = 0;
    for await (const event of events) {
      // What went wrong names the event by its place, and says that the ones before it were taken.
      if (this.#closing) throw new MeterEventStreamClosedError(`The meter event stream is closed; sendMany() had taken ${n} event(s), and not events[${n}]`);
      let wire: UndeliveredEvent;
      try {
        wire = prepareStreamEvent(event, this.#core.config.now(), `events[${n}]`);
      } catch (error) {
        if (!(error instanceof StripeInvalidParameterError)) throw error;
        throw new StripeInvalidParameterError(error.param ?? `events[${n}]`, `${error.message} (sendMany() had taken the ${n} event(s) before it)`);
      }
      if (this.#buffered >= this.#settings.maxBuffered) await this.#sendWhenRoom(wire);
      else this.#enqueue(wire);
      n++;
    }
    return n;
  }

  /**
   * Resolves when every event sent so far has been accepted or has failed for good; rejects with
   * a MeterEventStreamError listing the failures no onError took.
   */
  async flush(options?: ShutdownOptions): Promise<void> {
    await this.#drain(options, 'flush');
    await this.#failures.settled();
    if (this.#failures.kept > 0) throw new MeterEventStreamError(this.#failures.take());
  }

  /** Flushes, then stops: later sends reject. With a signal, an abort hands back what is left. */
  async close(options?: ShutdownOptions): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      this.#wake(Number.POSITIVE_INFINITY);
    }
    try {
      await this.#drain(options, 'close');
    } catch (error) {
      if (error instanceof MeterEventStreamAbortedError) this.#stop(error);
      throw error;
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#failures.settled();
    if (this.#failures.kept > 0) throw new MeterEventStreamError(this.#failures.take());
  }

  #drain(options: ShutdownOptions | undefined, operation: 'flush' | 'close'): Promise<void> {
    const signal = checkShutdownOptions(options);
    if (signal?.aborted) return Promise.reject(this.#aborted(operation, signal.reason));
    if (this.#buffered === 0) return DONE;
    this.#urgent = true;
    this.#pump();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#flushes = this.#flushes.filter((w) => w !== waiter);
        reject(this.#aborted(operation, signal?.reason));
      };
      const waiter: FlushWaiter = {
        target: this.#seq,
        remaining: this.#buffered,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      this.#flushes.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Every event not yet known to be accepted, in send order, and the failures nobody took. */
  #aborted(operation: 'flush' | 'close', reason: unknown): MeterEventStreamAbortedError {
    const batches = [...this.#inFlight, ...this.#ready, this.#filling].sort((a, b) => a.first - b.first);
    const undelivered = batches.flatMap((b) => (b.settled === undefined ? b.events : b.events.filter((e) => !b.settled?.has(e))));
    return new MeterEventStreamAbortedError(operation, undelivered, this.#failures.take(), reason);
  }

  /**
   * After an aborted close(): stops every delivery; what was buffered has been handed back by
   * `error`, which every other flush() or close() still waiting rejects with too.
   */
  #stop(error: MeterEventStreamAbortedError): void {
    this.#abort.abort();
    this.#stats.returned += this.#buffered;
    this.#buffered = 0;
    this.#ready = [];
    this.#filling = { events: [], first: this.#seq };
    this.#inFlight.clear();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const waiter of this.#flushes.splice(0)) waiter.reject(error);
  }

  #enqueue(event: UndeliveredEvent): void {
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
    if (this.#abort.signal.aborted) return;
    while (this.#inFlight.size < this.#settings.concurrency) {
      let batch = this.#ready.shift();
      if (batch === undefined && this.#urgent && this.#filling.events.length > 0) {
        batch = this.#filling;
        this.#filling = { events: [], first: this.#seq };
      }
      if (batch === undefined) break;
      const sent = batch;
      this.#inFlight.add(sent);
      void deliver(this.#delivery, sent).finally(() => {
        this.#inFlight.delete(sent);
        this.#pump();
      });
    }
    if (this.#ready.length === 0 && this.#filling.events.length === 0) {
      this.#urgent = false;
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #settle(batch: Batch, error: StripeError | undefined): void {
    // After an aborted close() the events were handed back: nothing of theirs may count here.
    if (this.#abort.signal.aborted) return;
    const { events, first } = batch;
    const n = events.length;
    const root = batch.root as SentBatch | undefined;
    if (root !== undefined) for (const e of events) (root.settled ??= new Set()).add(e);
    if (error === undefined) this.#stats.accepted += n;
    else {
      this.#stats.failed += n;
      for (const event of events) this.#failures.report({ event, error });
    }
    this.#buffered -= n;
    for (const waiter of this.#flushes) {
      // Only this batch's events sent before the flush() call count for it.
      waiter.remaining -= Math.max(0, Math.min(n, waiter.target - first));
      if (waiter.remaining === 0) waiter.resolve();
    }
    if (this.#flushes.length > 0) this.#flushes = this.#flushes.filter((w) => w.remaining > 0);
    // Only as many as there is room for: waking every waiter on every settle is quadratic.
    this.#wake(this.#settings.maxBuffered - this.#buffered);
  }
}
