// Idempotency keys: a POST repeated with the same key within 24 hours gets the first answer again;
// the same key with other parameters is refused. Only successful answers are kept, as Stripe
// keeps no result for a request that failed validation.

export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600;

/**
 * A 53-bit hash (cyrb53) of the method, path and body of a request: what a replay is compared
 * with. Keeping a number rather than the body keeps the store small (two requests with one key
 * and different bodies collide with a probability of 2^-53).
 */
export function fingerprint(method: string, path: string, body: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  // Part by part, each followed by a newline, without building the concatenation.
  for (const part of [method, path, body]) {
    for (let i = 0; i <= part.length; i++) {
      const code = i < part.length ? part.charCodeAt(i) : 0x0a;
      h1 = Math.imul(h1 ^ code, 2654435761);
      h2 = Math.imul(h2 ^ code, 1597334677);
    }
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

export interface Saved {
  /** fingerprint() of the first request. */
  fingerprint: number;
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
    // Delete first (a key reused after its window), so that the map stays in order of saving.
    if (this.#saved.has(key)) this.#saved.delete(key);
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

  /** The saved answers in order of saving (to export the emulator's state). */
  entries(): Array<[string, Saved]> {
    return [...this.#saved];
  }
}
