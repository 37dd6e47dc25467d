// The relay: claims due events in batches (a lease, never a lock held across a network call),
// sends them through the SDK's delivery engine, and records each outcome in one transaction:
// delivered, retried later, dead-lettered with the error, or held for a person's decision when a
// resend could be counted twice. A relay that dies leaves its claims to expire; any relay then
// takes them over and resends them with the same identifiers.
import type { StripeMeters } from '../client.js';
import type { RuleProblem } from '../rules/problem.js';
import { timestampWindowProblem, windowClosesAt, windowOpensAt } from '../rules/timestamps.js';
import { createSender, failureOf, type Sender, type Verdict } from './deliver.js';
import { MeterCheck } from './meters.js';
import type { OutboxSettings } from './settings.js';
import type { Claim, ClaimedEvent, FailureRecord, Outcome } from './store.js';

const MAX_BACKOFF_MS = 5 * 60_000;
const PRUNE_EVERY_MS = 60_000;

function backoffMs(attempts: number): number {
  const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(20, attempts - 1));
  return Math.round(base * (0.5 + Math.random() / 2));
}

/**
 * Waits for the event loop's next turn. Node's setImmediate, not a zero timeout: timers that come
 * due while timers run are run in the same phase, so a relay yielding with timeouts could still
 * keep setImmediate work (the SQLite store's group commit) waiting.
 */
function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (immediate === undefined ? setTimeout(resolve, 0) : immediate(resolve)));
}

/** The dead letter of an event at the end of the 35-day window (or past it), never sent. */
const outsideWindow = (problem: RuleProblem): FailureRecord => ({
  type: 'OutboxWindowError',
  code: problem.code,
  message: `The event's timestamp is at the end of Stripe's 35-day window (or past it): Stripe would refuse it, or drop it after accepting it. ${problem.message}`,
});

/** The dead letter of an event no active meter would count, never sent. */
const uncounted = (problem: RuleProblem): FailureRecord => ({
  type: 'OutboxMeterError',
  code: problem.code,
  message: `Not sent: no active meter would count this event, and Stripe would accept it and drop it. ${problem.message}`,
});

export class Relay {
  readonly #s: OutboxSettings;
  /** One sender per worker: a worker waits for its own sends only. */
  readonly #senders: Sender[] = [];
  readonly #owner = `relay-${globalThis.crypto.randomUUID()}`;
  readonly #workers: Array<Promise<void>> = [];
  /** Claims being worked on: given back if close() is aborted. */
  readonly #claimed = new Set<Claim>();
  #stopping = false;
  readonly #waiting = new Set<() => void>();
  #lastPrune = 0;
  readonly #meters: MeterCheck | undefined;

  constructor(stripe: StripeMeters, settings: OutboxSettings) {
    this.#s = settings;
    this.#meters = settings.checkMeters ? new MeterCheck(stripe, settings.now) : undefined;
    const perWorker = Math.max(1, Math.ceil(settings.maxRequests / settings.concurrency));
    for (let i = 0; i < settings.concurrency; i++) this.#senders.push(createSender(stripe, { via: settings.via, budgetMs: settings.retryBudgetMs, concurrency: perWorker, now: settings.now }));
  }

  get running(): boolean {
    return this.#workers.length > 0 && !this.#stopping;
  }

  start(): void {
    if (this.#workers.length > 0) return;
    for (const sender of this.#senders) this.#workers.push(this.#work(sender));
  }

  /** New events were recorded in this process: an idle worker looks at once. */
  poke(): void {
    for (const wake of [...this.#waiting]) wake();
  }

  /**
   * Stops claiming and waits for the claims in flight to settle. When `signal` aborts first, the
   * sends are stopped and their claims given back; resolves with how many were given back.
   */
  async stop(signal: AbortSignal | undefined): Promise<number> {
    this.#stopping = true;
    for (const wake of [...this.#waiting]) wake();
    const done = Promise.all(this.#workers);
    let aborted = false;
    if (signal !== undefined) {
      const onAbort = new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      });
      aborted = await Promise.race([done.then(() => false), onAbort.then(() => true)]);
    } else await done;
    await Promise.all(this.#senders.map((sender) => sender.close(aborted ? signal : undefined)));
    let released = 0;
    if (aborted) {
      for (const claim of this.#claimed) released += claim.events.length;
      await done;
    }
    return released;
  }

  async #work(sender: Sender): Promise<void> {
    const s = this.#s;
    while (!this.#stopping) {
      // Let the app's own work (and its record() calls) run between claims: a backlog sent to a
      // fetch that answers from memory would otherwise hold the event loop until it drained.
      await yieldToEventLoop();
      let claim: Claim;
      try {
        await this.#prune();
        claim = await s.store.claim(this.#owner, s.batchSize, s.leaseMs, s.now());
      } catch (error) {
        s.onNotice({ type: 'store_error', operation: 'claim', error: error as Error });
        await this.#idle(backoffMs(3));
        continue;
      }
      if (claim.events.length === 0) {
        await this.#idle(s.pollIntervalMs);
        continue;
      }
      this.#claimed.add(claim);
      let outcome: Outcome;
      try {
        outcome = await this.#deliver(claim, sender);
      } catch (error) {
        // Stopped by an aborted close(), or something unexpected: the claims go back to the store
        // as they are; the relay goes on unless it is stopping.
        await s.store.release(this.#owner, claim.events.map((e) => e.id)).catch((failure: unknown) => s.onNotice({ type: 'store_error', operation: 'release', error: failure as Error }));
        this.#claimed.delete(claim);
        if (this.#stopping) return;
        s.onNotice({ type: 'relay_error', error: error instanceof Error ? error : new Error(String(error)) });
        await this.#idle(backoffMs(3));
        continue;
      }
      try {
        await s.store.settle(this.#owner, outcome, s.now());
      } catch (error) {
        // Not recorded: the lease runs out and the events are sent again (same identifiers, within 24 hours).
        s.onNotice({ type: 'store_error', operation: 'settle', error: error as Error });
      }
      this.#claimed.delete(claim);
      // Nothing got through (an outage, a refused key): wait before claiming more.
      if (outcome.delivered.length === 0 && outcome.retry.length > 0) await this.#idle(backoffMs(Math.min(...claim.events.map((e) => e.attempts))));
    }
  }

  async #deliver(claim: Claim, sender: Sender): Promise<Outcome> {
    const s = this.#s;
    const { now } = claim;
    const outcome: Outcome = { delivered: [], retry: [], dead: [], held: [] };
    const bury = (event: ClaimedEvent, error: FailureRecord) => {
      outcome.dead.push({ id: event.id, error });
      s.onNotice({ type: 'dead', identifier: event.identifier, error });
    };
    let sending: ClaimedEvent[] = [];
    for (const event of claim.events) {
      const seconds = Date.parse(event.timestamp) / 1000;
      // The window's end as a sender reads it (src/rules): the delivery engine checks it again before each attempt.
      const late = timestampWindowProblem(seconds, now / 1000, 'timestamp', 'avoid');
      if (late?.code === 'timestamp_too_far_in_past') bury(event, outsideWindow(late));
      else if (late !== undefined) {
        // Ahead of Stripe's 5 minutes: the stream would take it and drop it. It waits until it is due.
        outcome.retry.push({ id: event.id, notBefore: Math.max(windowOpensAt(seconds, 'avoid') * 1000, now + 1000), error: outsideWindow(late), unsent: true });
      } else if (event.attempts > 1 && now - event.firstAttemptAt >= s.holdAfterMs) {
        // Sent before (it may have landed) and Stripe may forget the identifier before a resend lands.
        const reason = `first sent ${new Date(event.firstAttemptAt).toISOString()}, not known to be delivered, and a resend could land after Stripe forgets its identifier (24 hours)`;
        outcome.held.push({ id: event.id, reason });
        s.onNotice({ type: 'held', identifier: event.identifier, reason });
      } else {
        if (now > windowClosesAt(seconds, 'none') * 1000 - s.warnBeforeWindowMs) s.onNotice({ type: 'nearing_window', identifier: event.identifier, timestamp: event.timestamp });
        sending.push(event);
      }
    }
    if (sending.length > 0 && this.#meters !== undefined) {
      let problems: Map<number, RuleProblem>;
      try {
        problems = await this.#meters.problems(sending);
      } catch (error) {
        // Without the meters nothing can be said of the events: they wait, as for a refused key.
        s.onNotice({ type: 'blocked', error: failureOf(error) });
        for (const event of sending) outcome.retry.push({ id: event.id, notBefore: s.now() + backoffMs(event.attempts), error: failureOf(error), unsent: true });
        return outcome;
      }
      if (problems.size > 0) {
        sending.forEach((event, i) => {
          const problem = problems.get(i);
          if (problem !== undefined) bury(event, uncounted(problem));
        });
        sending = sending.filter((_, i) => !problems.has(i));
      }
    }
    if (sending.length === 0) return outcome;
    const results = await sender.send(sending);
    let blocked: unknown;
    for (const event of sending) {
      if (!results.has(event.identifier)) {
        outcome.delivered.push(event.id);
        continue;
      }
      const { verdict, error } = results.get(event.identifier) as { verdict: Verdict; error: unknown };
      if (verdict === 'delivered') outcome.delivered.push(event.id);
      else if (verdict === 'refused') bury(event, failureOf(error));
      else {
        if (verdict === 'blocked') blocked = error;
        outcome.retry.push({ id: event.id, notBefore: s.now() + backoffMs(event.attempts), error: failureOf(error) });
      }
    }
    if (blocked !== undefined) s.onNotice({ type: 'blocked', error: failureOf(blocked) });
    return outcome;
  }

  async #prune(): Promise<void> {
    const now = this.#s.now();
    if (now - this.#lastPrune < PRUNE_EVERY_MS) return;
    this.#lastPrune = now;
    await this.#s.store.prune(now - this.#s.retentionMs);
  }

  #idle(ms: number): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiting.add(done);
    });
  }
}
