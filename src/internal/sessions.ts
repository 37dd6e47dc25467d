// The meter event session token shared by every request of a batching sender (or an outbox
// relay): created on first use, refreshed shortly before it expires, one creation at a time.
// A creation runs through the retry engine under the policy of the request that needs the token
// (its time budget); requests that arrive while it runs share its outcome, and its hook reports.
import { PostV2BillingMeterEventSession } from '../../generated/rules.js';
import type { StripeMetersCore } from '../client-core.js';
import type { StripeError } from '../errors.js';
import type { Outcome, SessionHook } from './call.js';
import type { RetryPolicy } from './retry.js';

const FALLBACK_LIFETIME_MS = 15 * 60_000;

/** A session answer without a token is a broken answer, retried like one. */
const withoutToken = (session: unknown): string | undefined => {
  const token = (session as { authentication_token?: unknown }).authentication_token;
  return typeof token === 'string' && token !== '' ? undefined : 'a session without an authentication_token';
};

interface Current {
  token: string;
  /** Local clock time after which the token is refreshed before use. */
  refreshAt: number;
}

export class SessionTokens implements SessionHook {
  #current: Current | undefined;
  #pending: Promise<Outcome<string>> | undefined;
  #created = 0;
  #failures = 0;
  readonly #core: StripeMetersCore;
  readonly #refreshMarginMs: number;
  readonly #onFailure: ((failure: StripeError) => void) | undefined;

  /**
   * @param refreshMarginMs refresh a token this long before it expires @unit milliseconds
   * @param onFailure told of every failed attempt to create a session, as it happens (stats)
   */
  constructor(core: StripeMetersCore, refreshMarginMs = 60_000, onFailure?: (failure: StripeError) => void) {
    this.#core = core;
    this.#refreshMarginMs = refreshMarginMs;
    this.#onFailure = onFailure;
  }

  /** Session tokens created. */
  get created(): number {
    return this.#created;
  }

  /** Attempts to create a session that failed. */
  get failures(): number {
    return this.#failures;
  }

  /** A token valid for at least the refresh margin; concurrent callers share one creation. */
  token(policy: RetryPolicy, signal: AbortSignal | undefined): Promise<Outcome<string>> {
    const current = this.#current;
    if (current !== undefined && Date.now() < current.refreshAt) return Promise.resolve({ ok: true, value: current.token });
    this.#pending ??= this.#create(policy, signal).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** Drops `token` after Stripe said it expired (a newer token is kept). */
  expired(token: string): void {
    if (this.#current?.token === token) this.#current = undefined;
  }

  async #create(policy: RetryPolicy, signal: AbortSignal | undefined): Promise<Outcome<string>> {
    const requestedAt = Date.now();
    const observe = (_: unknown, failure: StripeError | undefined) => {
      if (failure === undefined) return;
      this.#failures++;
      this.#onFailure?.(failure);
    };
    const made = await this.#core.send(PostV2BillingMeterEventSession, {}, { signal }, (c, init) => c.POST('/v2/billing/meter_event_session', init), { policy, observe, unusable: withoutToken });
    if (!made.ok) return made;
    const session = made.value;
    const token = session.authentication_token;
    this.#core.holdToken(token);
    this.#created++;
    // The lifetime comes from Stripe's own two timestamps, then runs on the local clock from when
    // the request was made, so a skewed local clock cannot make a token look fresh when it is not.
    const lifetime = Date.parse(session.expires_at) - Date.parse(session.created);
    const valid = Number.isFinite(lifetime) && lifetime > 0 ? lifetime : FALLBACK_LIFETIME_MS;
    const margin = Math.min(this.#refreshMarginMs, valid / 2);
    this.#current = { token, refreshAt: requestedAt + valid - margin };
    return { ok: true, value: token };
  }
}
