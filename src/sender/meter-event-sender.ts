// High-throughput usage reporting over the v2 meter event stream: events are buffered (bounded),
// sent in batches of up to 100 by a few concurrent requests, under one shared session token,
// through the delivery engine (src/internal/delivery.ts). Every event carries an identifier from
// the moment send() takes it, so any resend (a retry, an expired session, isolating a bad event, a
// caller resending what an aborted close() handed back) is deduplicated by Stripe. No event leaves
// without an outcome: accepted, failed (to onError, or surfaced on the next call, or printed), or
// handed back by an aborted close().
import { PostV2BillingMeterEventStream } from '../../generated/rules.js';
import type { StripeMetersCore } from '../client-core.js';
import { StripeInvalidParameterError } from '../errors.js';
import { checkShutdownOptions } from '../internal/check-options.js';
import { baseUrlFor } from '../internal/client-config.js';
import { deliver, type DeliveryOutcome } from '../internal/delivery.js';
import { prepareStreamEvent } from '../internal/meter-events.js';
import { SessionTokens } from '../internal/sessions.js';
import { MeterEventSenderAbortedError, MeterEventSenderClosedError, MeterEventSenderError, type UndeliveredEvent } from './errors.js';
import { Failures } from './failures.js';
import { Progress } from './progress.js';
import { Flushes, Room } from './waiting.js';
import { senderSettings, type MeterEventSenderEvent, type MeterEventSenderOptions, type MeterEventSenderStats, type SenderSettings } from './settings.js';

export type { MeterEventSenderEvent, MeterEventSenderOptions, MeterEventSenderStats };

/** Options of flush() and close(). */
export interface ShutdownOptions {
  /**
   * Bounds the wait (`AbortSignal.timeout(ms)`). When it aborts, the call rejects with a
   * MeterEventSenderAbortedError holding every event not yet known to be accepted; close() also
   * stops every request in flight.
   */
  signal?: AbortSignal;
}

/** Events with consecutive sequence numbers from `first` (flush() waits on sequence numbers). */
interface Batch {
  events: UndeliveredEvent[];
  first: number;
  /** The events of it that settled (a batch split to isolate bad events settles in parts). */
  settled?: Set<UndeliveredEvent>;
}

const DONE = Promise.resolve();

/**
 * A batching sender for the v2 meter event stream: `new MeterEventSender(core, options)`, or
 * `stripe.meterEventSender(options)`. Call `close()` before the process exits: events still in
 * memory are lost otherwise.
 */
export class MeterEventSender {
  readonly #core: StripeMetersCore;
  readonly #settings: SenderSettings;
  readonly #sessions: SessionTokens;
  readonly #abort = new AbortController();
  readonly #failures: Failures;
  readonly #progress: Progress;

  /** Full batches waiting for a free request slot, then the one being filled. */
  #ready: Batch[] = [];
  #filling: Batch = { events: [], first: 0 };
  readonly #inFlight = new Set<Batch>();
  /** The identifiers of the events held (buffered or in flight): one may not be sent twice at once. */
  readonly #held = new Set<string>();
  #seq = 0;
  /** Events queued or in flight. */
  #buffered = 0;
  #urgent = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closing = false;
  readonly #room = new Room();
  readonly #flushes = new Flushes();

  /**
   * @param core the client (a StripeMeters or a StripeMetersCore) whose key, retries and transport it uses
   * @param options all optional; see MeterEventSenderOptions
   */
  constructor(core: StripeMetersCore, options?: MeterEventSenderOptions) {
    this.#settings = senderSettings(options);
    this.#failures = new Failures(this.#settings.onError);
    this.#core = core;
    // A sender nobody listens to says so when it cannot deliver (src/sender/progress.ts).
    const { onResponse, baseUrl } = core.config;
    const stream = baseUrlFor(core.config, PostV2BillingMeterEventStream.server);
    const where = stream === baseUrl ? baseUrl : `${baseUrl} and ${stream}`;
    this.#progress = new Progress(this.#settings.onError === undefined && onResponse === undefined, () => this.#buffered, where);
    this.#sessions = new SessionTokens(core, this.#settings.refreshMarginMs, (failure) => this.#progress.attempt(failure, 0, undefined));
  }

  get stats(): MeterEventSenderStats {
    return { ...this.#progress.stats, sessionsCreated: this.#sessions.created, sessionFailures: this.#sessions.failures, buffered: this.#buffered };
  }

  /**
   * Buffers one event (identifier and timestamp filled in); waits while the buffer is full.
   * Rejects after close(), on invalid input (an identifier this sender still holds included), or
   * with a MeterEventSenderError when earlier events failed and no onError took them: then this
   * event was not buffered.
   */
  send(event: MeterEventSenderEvent): Promise<void> {
    try {
      if (this.#closing) throw new MeterEventSenderClosedError();
      if (this.#failures.kept > 0) throw new MeterEventSenderError(this.#failures.take());
      const wire = this.#take(prepareStreamEvent(event, this.#core.config.now()), 'identifier');
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

  /**
   * Sends every event of a (possibly async) iterable, in order, with the same backpressure;
   * resolves with how many it took. Earlier failures do not stop it: they surface on flush().
   */
  async sendMany(events: Iterable<MeterEventSenderEvent> | AsyncIterable<MeterEventSenderEvent>): Promise<number> {
    let n = 0;
    for await (const event of events) {
      // What went wrong names the event by its place, and says that the ones before it were taken.
      if (this.#closing) throw new MeterEventSenderClosedError(`The meter event sender is closed; sendMany() had taken ${n} event(s), and not events[${n}]`);
      let wire: UndeliveredEvent;
      try {
        wire = this.#take(prepareStreamEvent(event, this.#core.config.now(), `events[${n}]`), `events[${n}][identifier]`);
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
   * Resolves when every event sent so far has been accepted or has failed; rejects with a
   * MeterEventSenderError listing the failures no onError took.
   */
  async flush(options?: ShutdownOptions): Promise<void> {
    await this.#drain(options, 'flush');
    await this.#failures.settled();
    if (this.#failures.kept > 0) throw new MeterEventSenderError(this.#failures.take());
  }

  /** Flushes, then stops: later sends reject. With a signal, an abort hands back what is left. */
  async close(options?: ShutdownOptions): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      this.#room.wake(Number.POSITIVE_INFINITY);
    }
    try {
      await this.#drain(options, 'close');
    } catch (error) {
      if (error instanceof MeterEventSenderAbortedError) this.#stop(error);
      throw error;
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#progress.stop();
    await this.#failures.settled();
    if (this.#failures.kept > 0) throw new MeterEventSenderError(this.#failures.take());
  }

  /** Holds the event's identifier: Stripe would count only the first of two events that share one. */
  #take(wire: UndeliveredEvent, param: string): UndeliveredEvent {
    if (this.#held.has(wire.identifier)) {
      throw new StripeInvalidParameterError(param, `${param} "${wire.identifier}" belongs to an event this sender has not delivered yet; Stripe would count only one of the two`);
    }
    this.#held.add(wire.identifier);
    return wire;
  }

  async #sendWhenRoom(wire: UndeliveredEvent): Promise<void> {
    while (this.#buffered >= this.#settings.maxBuffered && !this.#closing) await this.#room.wait();
    this.#enqueue(wire);
  }

  #drain(options: ShutdownOptions | undefined, operation: 'flush' | 'close'): Promise<void> {
    const signal = checkShutdownOptions(options);
    if (signal?.aborted) return Promise.reject(this.#aborted(operation, signal.reason));
    if (this.#buffered === 0) return DONE;
    this.#urgent = true;
    this.#pump();
    return this.#flushes.wait(this.#seq, this.#buffered, signal, (reason) => this.#aborted(operation, reason));
  }

  /** Every event not yet known to be accepted, in send order, and the failures nobody took. */
  #aborted(operation: 'flush' | 'close', reason: unknown): MeterEventSenderAbortedError {
    const batches = [...this.#inFlight, ...this.#ready, this.#filling].sort((a, b) => a.first - b.first);
    const undelivered = batches.flatMap((b) => (b.settled === undefined ? b.events : b.events.filter((e) => !b.settled?.has(e))));
    return new MeterEventSenderAbortedError(operation, undelivered, this.#failures.take(), reason);
  }

  /**
   * After an aborted close(): stops every delivery; what was held has been handed back by
   * `error`, which every other flush() or close() still waiting rejects with too.
   */
  #stop(error: MeterEventSenderAbortedError): void {
    this.#abort.abort();
    this.#progress.stats.returned += this.#buffered;
    this.#buffered = 0;
    this.#held.clear();
    this.#ready = [];
    this.#filling = { events: [], first: this.#seq };
    this.#inFlight.clear();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#progress.stop();
    this.#flushes.rejectAll(error);
  }

  #enqueue(event: UndeliveredEvent): void {
    if (this.#closing) {
      this.#held.delete(event.identifier);
      throw new MeterEventSenderClosedError();
    }
    this.#filling.events.push(event);
    this.#seq++;
    this.#progress.stats.sent++;
    this.#progress.buffered(++this.#buffered);
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
      // The batch's time budget runs from its first send attempt.
      void deliver(this.#core, sent.events, {
        deadline: Date.now() + this.#settings.budgetMs,
        signal: this.#abort.signal,
        sessions: this.#sessions,
        concurrency: 1,
        onSettled: (first, count, outcome) => this.#settle(sent, first, count, outcome),
        observe: (event, failure, events) => this.#progress.attempt(failure, events, event.retryInMs),
      }).finally(() => {
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

  #settle(batch: Batch, offset: number, n: number, outcome: DeliveryOutcome): void {
    // After an aborted close() the events were handed back: nothing of theirs may count here.
    if (this.#abort.signal.aborted) return;
    const events = batch.events.slice(offset, offset + n);
    if (n < batch.events.length) for (const e of events) (batch.settled ??= new Set()).add(e);
    for (const e of events) this.#held.delete(e.identifier);
    this.#buffered -= n;
    if (outcome.status === 'delivered') this.#progress.delivered(n);
    else {
      this.#progress.stats.failed += n;
      const error = outcome.error ?? new MeterEventSenderClosedError();
      for (const event of events) this.#failures.report({ event, error });
    }
    this.#flushes.settled(batch.first + offset, n);
    // Only as many as there is room for: waking every waiter on every settle is quadratic.
    this.#room.wake(this.#settings.maxBuffered - this.#buffered);
  }
}
