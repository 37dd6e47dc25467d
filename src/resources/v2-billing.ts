// `stripe.v2.billing.*`, or on their own with a StripeMetersCore: sessions, the raw meter event
// stream endpoint (one request of 1 to 100 events; the batching sender is MeterEventSender),
// meter events validated at once, and their adjustments.
import { PostV2BillingMeterEventAdjustments, PostV2BillingMeterEvents, PostV2BillingMeterEventSession, PostV2BillingMeterEventStream } from '../../generated/rules.js';
import type { StripeMetersCore } from '../client-core.js';
import { StripeInvalidParameterError } from '../errors.js';
import { defaultsFor, prepareMeterEvent, prepareStreamEvent } from '../internal/meter-events.js';
import { snapshot } from '../internal/params.js';
import { checkSessionToken } from '../internal/session-key.js';
import type { RequestOptions, WithLastResponse } from '../options.js';
import type {
  V2MeterEvent,
  V2MeterEventAdjustment,
  V2MeterEventAdjustmentCreateParams,
  V2MeterEventCreateInput,
  V2MeterEventCreateParams,
  V2MeterEventSession,
  V2MeterEventStreamCreateInput,
  V2MeterEventStreamCreateParams,
  V2MeterEventStreamResult,
} from '../types.js';
import { createMeterEvent, type PreparedEvent } from './meter-events.js';

/** `stripe.v2.billing.meterEventSession` */
export class V2MeterEventSessions {
  readonly #core: StripeMetersCore;

  constructor(core: StripeMetersCore) {
    this.#core = core;
  }

  /** A session token for the meter event stream, valid for 15 minutes. */
  create(options?: RequestOptions): Promise<WithLastResponse<V2MeterEventSession>> {
    return this.#core.request(PostV2BillingMeterEventSession, {}, options, (c, init) => c.POST('/v2/billing/meter_event_session', init));
  }
}

/** `stripe.v2.billing.meterEventStream`: one request to the stream endpoint (sent to meterEventsBaseUrl). */
export class V2MeterEventStream {
  readonly #core: StripeMetersCore;

  constructor(core: StripeMetersCore) {
    this.#core = core;
  }

  /**
   * Sends 1 to 100 events, validated by Stripe later (asynchronously); authenticate with
   * `{ apiKey: session.authentication_token }`. Identifiers and timestamps are filled in. To send
   * many events, batched, retried and under a session renewed for you, use MeterEventSender.
   */
  async create(params: V2MeterEventStreamCreateInput, options: RequestOptions): Promise<WithLastResponse<V2MeterEventStreamResult>> {
    const core = this.#core;
    const now = core.config.now();
    const given = snapshot(params);
    const events: unknown = given['events'];
    if (!Array.isArray(events)) throw new StripeInvalidParameterError('events', 'events must be an array of 1 to 100 events');
    const body: V2MeterEventStreamCreateParams = { ...given, events: events.map((event, i) => prepareStreamEvent(event, now, `events[${i}]`)) };
    const identifiers = body.events.map((e) => e.identifier ?? '');
    return core.request(PostV2BillingMeterEventStream, { body }, options, (c, init) => c.POST('/v2/billing/meter_event_stream', init), { sent: { identifiers }, checkKey: checkSessionToken });
  }
}

/** `stripe.v2.billing.meterEvents` */
export class V2MeterEvents {
  readonly #core: StripeMetersCore;

  constructor(core: StripeMetersCore) {
    this.#core = core;
  }

  /**
   * Records a meter event, validated at once. Identifier and timestamp are filled in when absent,
   * as for `billing.meterEvents.create` (with your own idempotencyKey: derived from it, and left to Stripe).
   */
  async create(params: V2MeterEventCreateInput, options?: RequestOptions): Promise<WithLastResponse<V2MeterEvent>> {
    const now = this.#core.config.now();
    const body = prepareMeterEvent(params, 'v2', '', now, defaultsFor(options)) as V2MeterEventCreateParams & PreparedEvent;
    return createMeterEvent(this.#core, PostV2BillingMeterEvents, body, now, options, (c, init) => c.POST('/v2/billing/meter_events', init));
  }
}

/** `stripe.v2.billing.meterEventAdjustments` */
export class V2MeterEventAdjustments {
  readonly #core: StripeMetersCore;

  constructor(core: StripeMetersCore) {
    this.#core = core;
  }

  /** Cancels a meter event by identifier (within 24 hours of Stripe receiving it). */
  create(params: V2MeterEventAdjustmentCreateParams, options?: RequestOptions): Promise<WithLastResponse<V2MeterEventAdjustment>> {
    return this.#core.request(PostV2BillingMeterEventAdjustments, { body: params }, options, (c, init) => c.POST('/v2/billing/meter_event_adjustments', init));
  }
}
