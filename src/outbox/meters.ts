// The meters the relay checks claimed events against before sending them: an event no active meter
// would count (no meter for its name, an inactive one, a payload without the customer or with a
// value the meter cannot read) is accepted by the stream and dropped later, so it would be marked
// delivered and never count. The rules are src/rules/meter.ts, the ones the command line and the
// emulator apply. The meters are listed through the SDK, kept for a short while, and listed again
// when an event names a meter the list does not have (or has inactive): one created or reactivated
// since is found before its events are dead-lettered.
import type { StripeMeters } from '../client.js';
import { meterEventProblem, meterIndex, type MeterKeys } from '../rules/meter.js';
import type { RuleProblem } from '../rules/problem.js';
import { limitsSignificantDigits, type ValueOptions } from '../rules/values.js';
import type { RecordedEvent } from './store.js';

/** How long a list of the meters is used before it is listed again. @unit milliseconds */
export const METER_LIST_TTL_MS = 60_000;
/** Meters read at most (the command line's upload reads as many). */
const MAX_METERS = 10_000;

/** A list of the meters, numbered in the order the lists were started. */
interface Listed {
  index: Map<string, MeterKeys>;
  /** Every meter was read (not cut at MAX_METERS): only then does a name missing from it have no meter. */
  complete: boolean;
  generation: number;
  startedAt: number;
}

export class MeterCheck {
  readonly #stripe: StripeMeters;
  readonly #now: () => number;
  /** The newest list that completed. */
  #current: Listed | undefined;
  /** Lists started so far. */
  #generation = 0;
  /** A list under way, shared by the relay's workers. */
  #listing: { generation: number; promise: Promise<Listed> } | undefined;

  /** Stripe's value rules for the client's API version (the digit limit came with 2026-04-22). */
  readonly #values: ValueOptions;

  constructor(stripe: StripeMeters, now: () => number) {
    this.#stripe = stripe;
    this.#now = now;
    this.#values = { limitDigits: limitsSignificantDigits(stripe.config.apiVersion) };
  }

  /**
   * Why each event would not count (by position in `events`), from a list of the meters at most
   * METER_LIST_TTL_MS old; when an event finds no active meter, from a list started after this call
   * began (a list already under way may predate a meter created since).
   * Rejects when the meters cannot be listed (nothing can be said of the events then).
   */
  async problems(events: readonly RecordedEvent[]): Promise<Map<number, RuleProblem>> {
    const before = this.#generation;
    let listed = this.#current;
    if (listed === undefined || this.#now() - listed.startedAt > METER_LIST_TTL_MS) listed = await this.#list(-1);
    let found = check(events, listed, this.#values);
    if (listed.generation <= before && [...found.values()].some((p) => p.code === 'no_meter' || p.code === 'archived_meter')) {
      found = check(events, await this.#list(before), this.#values);
    }
    return found;
  }

  /** A list started after `after` lists had been: the one under way if it qualifies, or a new one. */
  #list(after: number): Promise<Listed> {
    if (this.#listing !== undefined && this.#listing.generation > after) return this.#listing.promise;
    const generation = ++this.#generation;
    const startedAt = this.#now();
    const promise = this.#stripe.billing.meters
      .list({ limit: 100 })
      .autoPagingToArray({ limit: MAX_METERS })
      .then((meters) => {
        const listed = { index: meterIndex(meters), complete: meters.length < MAX_METERS, generation, startedAt };
        if (this.#current === undefined || this.#current.generation < generation) this.#current = listed;
        return listed;
      })
      .finally(() => {
        if (this.#listing?.generation === generation) this.#listing = undefined;
      });
    this.#listing = { generation, promise };
    return promise;
  }
}

function check(events: readonly RecordedEvent[], listed: Listed, values: ValueOptions): Map<number, RuleProblem> {
  const found = new Map<number, RuleProblem>();
  events.forEach((event, i) => {
    const problem = meterEventProblem(event, listed.index, '', values);
    // A list cut short says nothing of the meters it did not reach (the oldest): those events go to Stripe.
    if (problem !== undefined && (listed.complete || listed.index.has(event.event_name))) found.set(i, problem);
  });
  return found;
}
