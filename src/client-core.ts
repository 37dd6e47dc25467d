// The small core every resource module runs on: the key, the options, openapi-fetch, and the
// transport. It constructs no resource, so a bundle holds only the resources it imports:
//   const core = new StripeMetersCore('sk_test_...'); await new Meters(core).list();
// StripeMeters (src/client.ts) is this core with every resource attached.
import createClient, { type Client } from 'openapi-fetch';
import type { OperationRule } from '../generated/rules.js';
import type { paths } from '../generated/schema.js';
import type { RequestOptions, StripeMetersOptions } from './options.js';
import type { Transport } from './internal/attempt.js';
import { runCall, type Call, type CallContext, type CallExtra, type CallInput, type Outcome } from './internal/call.js';
import { checkApiKey } from './internal/check-options.js';
import { resolveClientOptions, type ClientConfig } from './internal/client-config.js';
import { fetchTransport } from './internal/fetch-transport.js';
import { toFormString } from './internal/form.js';
import { scrubberOf, type Scrub } from './internal/secrets.js';
import type { FetchLike, WithLastResponse } from './options.js';

/** Session tokens kept for scrubbing; older ones have long expired. */
const HELD_TOKENS = 8;

/**
 * The core of a Stripe Billing Meters client: key, options and transport, and no resource. Pass it
 * to the resource classes you use (`new Meters(core)`, `new MeterEvents(core)`, ...), so that a
 * bundle holds only what it calls; `StripeMeters` is this core with every resource attached.
 */
export class StripeMetersCore {
  // Declared, not defined: the constructor sets them (a field list would repeat them in every bundle).
  /** @internal */
  declare readonly config: ClientConfig;
  /** @internal openapi-fetch, typed by path; every call goes through send(). */
  declare readonly openapi: Client<paths>;
  /** @internal */
  declare readonly transport: Transport;
  readonly #key: string;
  readonly #tokens: string[] = [];
  readonly #secrets = (): string[] => [this.#key, ...this.#tokens];
  readonly #scrub: Scrub = scrubberOf(this.#secrets);
  readonly #context: CallContext;

  /** How requests travel: through `fetch`, or by default (Node's entry point overrides it). @internal */
  protected static transportFor(fetch: FetchLike | undefined): Transport {
    return fetchTransport(fetch);
  }

  /**
   * @param apiKey your secret key (`sk_test_…`, `sk_live_…`) or a restricted key (`rk_…`)
   * @param options all optional; see StripeMetersOptions
   */
  constructor(apiKey: string, options: StripeMetersOptions = {}) {
    this.#key = checkApiKey(apiKey, 'apiKey');
    this.config = resolveClientOptions(options);
    this.transport = new.target.transportFor(this.config.fetch);
    this.#context = { core: this, key: this.#key, scrub: this.#scrub, secrets: this.#secrets };
    // Stripe's form encoding for queries; bodies choose theirs per operation (src/internal/call.ts).
    this.openapi = createClient<paths>({ baseUrl: this.config.baseUrl, Request: this.transport.Request, querySerializer: toFormString });
  }

  /** @internal Whether requests with these options use a live-mode key. */
  livemode(options: RequestOptions | undefined): boolean {
    return /^(sk|rk)_live_/.test(options?.apiKey ?? this.#key);
  }

  /** @internal Keeps a session token for scrubbing: it must not appear in any error text either. */
  holdToken(token: string): void {
    if (typeof token !== 'string' || token === '') return;
    this.#tokens.push(token);
    if (this.#tokens.length > HELD_TOKENS) this.#tokens.shift();
  }

  /** @internal Masks the client's key and held tokens in text. */
  scrub(text: string): string {
    return this.#scrub(text);
  }

  /**
   * @internal One logical request of operation `op`, through the retry engine. `call` makes one
   * attempt with openapi-fetch, typed by path: `(client, init) => client.GET('/v1/billing/meters', init)`.
   * Resolves with the result or the StripeError it ended with; rejects only with an abort reason.
   */
  send<I extends CallInput, T>(op: OperationRule, input: I, options: RequestOptions | undefined, call: Call<I, T>, extra: CallExtra = {}): Promise<Outcome<WithLastResponse<T>>> {
    return runCall(this.#context, op, input, options, call, extra);
  }

  /** @internal Like send(), throwing the error a request ends with. */
  async request<I extends CallInput, T>(op: OperationRule, input: I, options: RequestOptions | undefined, call: Call<I, T>, extra?: CallExtra): Promise<WithLastResponse<T>> {
    const outcome = await this.send(op, input, options, call, extra);
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }
}
