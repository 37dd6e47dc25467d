// Idempotency keys: a POST repeated with the same key within 24 hours gets the first answer again;
// the same key with other parameters is refused. Only successful answers are kept, as Stripe
// keeps no result for a request that failed validation.

export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600;

export interface Saved {
  /** Method, path and body of the first request. */
  fingerprint: string;
  status: number;
  body: string;
  requestId: string;
  at: number;
}

export class IdempotencyStore {
  readonly #saved = new Map<string, Saved>();
  #sinceSweep = 0;

  /** The saved answer for `key`, if it was saved less than 24 hours ago. */
  get(key: string, now: number): Saved | undefined {
    const saved = this.#saved.get(key);
    if (saved === undefined || now - saved.at >= IDEMPOTENCY_WINDOW_SECONDS) return undefined;
    return saved;
  }

  save(key: string, saved: Saved): void {
    this.#saved.delete(key);
    this.#saved.set(key, saved);
    if (++this.#sinceSweep >= 1024) {
      this.#sinceSweep = 0;
      // Entries are in the order they were saved, so the expired ones are at the front.
      for (const [k, s] of this.#saved) {
        if (saved.at - s.at < IDEMPOTENCY_WINDOW_SECONDS) break;
        this.#saved.delete(k);
      }
    }
  }
}
