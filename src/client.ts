import { checkApiKey } from './internal/check-options.js';
import { resolveClientOptions } from './internal/client-config.js';
import { Core, type InitOf, type PathOf, type ResultOf } from './internal/core.js';
import { fetchAttempt } from './internal/fetch-attempt.js';
import { createTransport, type SendAttempt } from './internal/transport.js';
import type { RequestOptions, StripeMetersOptions, WithLastResponse } from './options.js';
import { MeterEventAdjustments, MeterEvents } from './resources/meter-events.js';
import { Meters } from './resources/meters.js';
import { MeterEventSessions, MeterEventStreamRequests, V2MeterEventAdjustments, V2MeterEvents } from './resources/v2-billing.js';
import { MeterEventStream, type MeterEventStreamOptions } from './stream/meter-event-stream.js';

/** openapi-fetch's init for a path, plus the request options every method takes. */
export type RawInit<M extends 'GET' | 'POST', P extends PathOf<M>> = InitOf<M, P> & { options?: RequestOptions };
type RawArgs<M extends 'GET' | 'POST', P extends PathOf<M>> = undefined extends InitOf<M, P>['params'] ? [init?: RawInit<M, P>] : [init: RawInit<M, P>];

/**
 * `stripe.raw`: the typed client by path, with the same checks, auth, encoding, retries and
 * errors as the resource methods. Errors are thrown (there is no `error` branch to check).
 */
export interface RawClient {
  GET<P extends PathOf<'GET'>>(path: P, ...init: RawArgs<'GET', P>): Promise<{ data: WithLastResponse<ResultOf<'GET', P>> }>;
  POST<P extends PathOf<'POST'>>(path: P, ...init: RawArgs<'POST', P>): Promise<{ data: WithLastResponse<ResultOf<'POST', P>> }>;
}

// The runtime's own fetch, called through globalThis: some runtimes reject a detached fetch.
const runtimeFetch = fetchAttempt((url, init) => globalThis.fetch(url, init));

/** A client for Stripe's Billing Meters API. */
export class StripeMeters {
  readonly billing: {
    readonly meters: Meters;
    readonly meterEvents: MeterEvents;
    readonly meterEventAdjustments: MeterEventAdjustments;
  };
  readonly v2: {
    readonly billing: {
      readonly meterEventSession: MeterEventSessions;
      readonly meterEventStream: MeterEventStreamRequests;
      readonly meterEvents: V2MeterEvents;
      readonly meterEventAdjustments: V2MeterEventAdjustments;
    };
  };
  /** The typed client by path, with the same checks, auth, encoding, retries and thrown errors. */
  readonly raw: RawClient;
  readonly #core: Core;

  /** How attempts go out when no `fetch` option is given (Node's entry point overrides it). @internal */
  protected static defaultAttempt(): SendAttempt {
    return runtimeFetch;
  }

  /**
   * @param apiKey your secret key (`sk_test_…`, `sk_live_…`) or a restricted key (`rk_…`)
   * @param options all optional; see StripeMetersOptions
   */
  constructor(apiKey: string, options: StripeMetersOptions = {}) {
    const key = checkApiKey(apiKey, 'apiKey');
    const config = resolveClientOptions(options);
    const attempt = config.fetch === undefined ? (this.constructor as typeof StripeMeters).defaultAttempt() : fetchAttempt(config.fetch);
    const core = new Core(key, config, createTransport(attempt, config));
    this.#core = core;
    this.billing = { meters: new Meters(core), meterEvents: new MeterEvents(core), meterEventAdjustments: new MeterEventAdjustments(core) };
    this.v2 = {
      billing: {
        meterEventSession: new MeterEventSessions(core),
        meterEventStream: new MeterEventStreamRequests(core),
        meterEvents: new V2MeterEvents(core),
        meterEventAdjustments: new V2MeterEventAdjustments(core),
      },
    };
    const raw = (method: 'GET' | 'POST') => async (path: string, init: { options?: RequestOptions } & Record<string, unknown> = {}) => {
      const { options: requestOptions, ...rest } = init;
      return { data: await core.request(method, path as never, rest as never, requestOptions) };
    };
    this.raw = { GET: raw('GET'), POST: raw('POST') } as RawClient;
  }

  /**
   * A batching sender for the v2 meter event stream: buffers events (bounded), sends them 100 at a
   * time over a few concurrent requests under one auto-refreshed session, retries transient
   * failures with the same identifiers within a time budget, and hands back every event it could
   * not deliver. Call `close()` before the process exits: events still in memory are lost otherwise.
   */
  meterEventStream(options?: MeterEventStreamOptions): MeterEventStream {
    return MeterEventStream.of(this.#core, options);
  }
}
