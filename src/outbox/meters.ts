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
import type { RecordedEvent } from './store.js';

/** How long a list of the meters is used before it is listed again. @unit milliseconds */
export const METER_LIST_TTL_MS = 60_000;
/** Meters read at most (the command line's upload reads as many). */
const MAX_METERS = 10_000;

export class MeterCheck {
  readonly #stripe: StripeMeters;
  readonly #now: () => number;
  #index: Map<string, MeterKeys> | undefined;
  #listedAt = Number.NEGATIVE_INFINITY;
  /** A list under way, shared by the relay's workers. */
  #listing: Promise<Map<string, MeterKeys>> | undefined;

  constructor(stripe: StripeMeters, now: () => number) {
    this.#stripe = stripe;
    this.#now = now;
  }

  /**
   * Why each event would not count (by position in `events`), from a list of the meters at most
   * METER_LIST_TTL_MS old, or listed again for this call when an event found no active meter.
   * Rejects when the meters cannot be listed (nothing can be said of the events then).
   */
  async problems(events: readonly RecordedEvent[]): Promise<Map<number, RuleProblem>> {
    let fresh = false;
    let index = this.#index;
    if (index === undefined || this.#now() - this.#listedAt > METER_LIST_TTL_MS) {
      index = await this.#list();
      fresh = true;
    }
    let found = check(events, index);
    // A miss may be a meter created (or reactivated) since the list: look again before refusing.
    if (!fresh && [...found.values()].some((p) => p.code === 'no_meter' || p.code === 'archived_meter')) found = check(events, await this.#list());
    return found;
  }

  #list(): Promise<Map<string, MeterKeys>> {
    this.#listing ??= this.#stripe.billing.meters
      .list({ limit: 100 })
      .autoPagingToArray({ limit: MAX_METERS })
      .then((meters) => {
        this.#index = meterIndex(meters);
        this.#listedAt = this.#now();
        return this.#index;
      })
      .finally(() => {
        this.#listing = undefined;
      });
    return this.#listing;
  }
}

function check(events: readonly RecordedEvent[], index: ReadonlyMap<string, MeterKeys>): Map<number, RuleProblem> {
  const found = new Map<number, RuleProblem>();
  events.forEach((event, i) => {
    const problem = meterEventProblem(event, index);
    if (problem !== undefined) found.set(i, problem);
  });
  return found;
}
