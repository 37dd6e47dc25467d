// The meter event session token shared by every batch of a stream: created on first use,
// refreshed shortly before it expires, one creation at a time. A creation that fails is not
// retried here: each waiting batch retries it within its own time budget.
import type { V2MeterEventSession } from '../types.js';

const FALLBACK_LIFETIME_MS = 15 * 60_000;

interface Current {
  token: string;
  /** Local clock time after which the token is refreshed before use. */
  refreshAt: number;
}

export class SessionTokens {
  #current: Current | undefined;
  #pending: Promise<string> | undefined;
  #created = 0;
  readonly #create: () => Promise<V2MeterEventSession>;
  readonly #refreshMarginMs: number;
  readonly #now: () => number;

  constructor(create: () => Promise<V2MeterEventSession>, refreshMarginMs: number, now: () => number = Date.now) {
    this.#create = create;
    this.#refreshMarginMs = refreshMarginMs;
    this.#now = now;
  }

  get created(): number {
    return this.#created;
  }

  /** A token valid for at least the refresh margin; concurrent callers share one creation. */
  token(): Promise<string> {
    const current = this.#current;
    if (current !== undefined && this.#now() < current.refreshAt) return Promise.resolve(current.token);
    this.#pending ??= this.#refresh().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** Drops `token` after Stripe said it expired (a newer token is kept). */
  expired(token: string): void {
    if (this.#current?.token === token) this.#current = undefined;
  }

  async #refresh(): Promise<string> {
    const requestedAt = this.#now();
    const session = await this.#create();
    this.#created++;
    // The lifetime comes from Stripe's own two timestamps, then runs on the local clock from when
    // the request was made, so a skewed local clock cannot make a token look fresh when it is not.
    const lifetime = Date.parse(session.expires_at) - Date.parse(session.created);
    const valid = Number.isFinite(lifetime) && lifetime > 0 ? lifetime : FALLBACK_LIFETIME_MS;
    const margin = Math.min(this.#refreshMarginMs, valid / 2);
    this.#current = { token: session.authentication_token, refreshAt: requestedAt + valid - margin };
    return session.authentication_token;
  }
}
