import type { Client } from 'openapi-fetch';
import { API_VERSION, type paths } from '../generated/schema.js';
import { MeterEventStream, type MeterEventStreamOptions } from './stream/meter-event-stream.js';
import { Core } from './internal/core.js';
import { createRawClient } from './internal/raw-client.js';
import { DEFAULT_RETRY_DELAYS } from './internal/retry-policy.js';
import { createTransport, sendWith, type TransportSettings } from './internal/transport.js';
import { checkApiKey, checkClientOptions } from './internal/validate.js';
import type { StripeMetersOptions } from './options.js';
import { MeterEventAdjustments, MeterEvents } from './resources/meter-events.js';
import { Meters } from './resources/meters.js';
import { MeterEventSessions, MeterEventStreamRequests, V2MeterEventAdjustments, V2MeterEvents } from './resources/v2-billing.js';

export const DEFAULT_BASE_URL = 'https://api.stripe.com';
export const DEFAULT_METER_EVENTS_BASE_URL = 'https://meter-events.stripe.com';
export const DEFAULT_TIMEOUT_MS = 80_000;
export const DEFAULT_MAX_NETWORK_RETRIES = 2;

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
  /** The typed openapi-fetch client, with the same auth, encoding, retries and errors. */
  readonly raw: Client<paths>;
  readonly #core: Core;

  constructor(apiKey: string, options: StripeMetersOptions = {}) {
    const key = checkApiKey(apiKey, 'apiKey');
    checkClientOptions(options);
    const transport: TransportSettings = {
      timeout: options.timeout ?? DEFAULT_TIMEOUT_MS,
      maxNetworkRetries: options.maxNetworkRetries ?? DEFAULT_MAX_NETWORK_RETRIES,
      delays: { ...DEFAULT_RETRY_DELAYS, ...options.retryDelay },
      onRequest: options.onRequest,
      onResponse: options.onResponse,
    };
    const send = sendWith(options.fetch);
    this.raw = createRawClient({
      apiKey: key,
      apiVersion: options.apiVersion ?? API_VERSION,
      stripeAccount: options.stripeAccount,
      baseUrl: options.baseUrl ?? DEFAULT_BASE_URL,
      meterEventsBaseUrl: options.meterEventsBaseUrl ?? DEFAULT_METER_EVENTS_BASE_URL,
      fetch: createTransport(send, transport),
    });
    const core = new Core(this.raw, { ...transport, send, apiKey: key });
    this.#core = core;
    this.billing = {
      meters: new Meters(core),
      meterEvents: new MeterEvents(core),
      meterEventAdjustments: new MeterEventAdjustments(core),
    };
    this.v2 = {
      billing: {
        meterEventSession: new MeterEventSessions(core),
        meterEventStream: new MeterEventStreamRequests(core),
        meterEvents: new V2MeterEvents(core),
        meterEventAdjustments: new V2MeterEventAdjustments(core),
      },
    };
  }

  /**
   * A batching sender for the v2 meter event stream: buffers events (bounded), sends them 100 at a
   * time over a few concurrent requests under one auto-refreshed session, retries transient
   * failures with the same identifiers and reports events that fail for good. Call `close()`
   * before the process exits: events still buffered are lost otherwise.
   */
  meterEventStream(options?: MeterEventStreamOptions): MeterEventStream {
    return new MeterEventStream(this.#core, () => this.v2.billing.meterEventSession.create(), options);
  }
}
