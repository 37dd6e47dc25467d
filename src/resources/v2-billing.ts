import type { Core } from '../internal/core.js';
import { createMeterEvent, prepareMeterEvent } from '../internal/meter-events.js';
import { snapshot } from '../internal/params.js';
import type { RequestOptions, WithLastResponse } from '../options.js';
import type {
  V2MeterEvent,
  V2MeterEventAdjustment,
  V2MeterEventAdjustmentCreateParams,
  V2MeterEventCreateInput,
  V2MeterEventInput,
  V2MeterEventSession,
  V2MeterEventStreamCreateInput,
  V2MeterEventStreamResult,
} from '../types.js';

/** `stripe.v2.billing.meterEventSession` */
export class MeterEventSessions {
  readonly #core: Core;

  /** @internal */
  constructor(core: Core) {
    this.#core = core;
  }

  /** A session token for the meter event stream, valid for 15 minutes. */
  create(options?: RequestOptions): Promise<WithLastResponse<V2MeterEventSession>> {
    return this.#core.request('POST', '/v2/billing/meter_event_session', {}, options);
  }
}

/** `stripe.v2.billing.meterEventStream` (sent to meterEventsBaseUrl) */
export class MeterEventStreamRequests {
  readonly #core: Core;

  /** @internal */
  constructor(core: Core) {
    this.#core = core;
  }

  /**
   * Sends 1 to 100 events, validated by Stripe later (asynchronously); authenticate with
   * `{ apiKey: session.authentication_token }`. Identifiers and timestamps are filled in.
   */
  async create(params: V2MeterEventStreamCreateInput, options: RequestOptions): Promise<WithLastResponse<V2MeterEventStreamResult>> {
    const core = this.#core;
    const now = core.config.now();
    const given = snapshot(params);
    const events = Array.isArray(given['events']) ? given['events'].map((event, i) => prepareMeterEvent(event, 'stream', `events[${i}]`, now)) : given['events'];
    const body = { ...given, events } as { events: V2MeterEventInput[] };
    const identifiers = Array.isArray(events) ? events.map((e) => e.identifier) : undefined;
    return core.request('POST', '/v2/billing/meter_event_stream', { body }, options, { identifiers });
  }
}

/** `stripe.v2.billing.meterEvents` */
export class V2MeterEvents {
  readonly #core: Core;

  /** @internal */
  constructor(core: Core) {
    this.#core = core;
  }

  /**
   * Records a meter event, validated at once. Identifier and timestamp are filled in when absent,
   * as for `billing.meterEvents.create` (with your own idempotencyKey: derived from it, and left to Stripe).
   */
  create(params: V2MeterEventCreateInput, options?: RequestOptions): Promise<WithLastResponse<V2MeterEvent>> {
    return createMeterEvent(this.#core, '/v2/billing/meter_events', params, options);
  }
}

/** `stripe.v2.billing.meterEventAdjustments` */
export class V2MeterEventAdjustments {
  readonly #core: Core;

  /** @internal */
  constructor(core: Core) {
    this.#core = core;
  }

  /** Cancels a meter event by identifier (within 24 hours of Stripe receiving it). */
  create(params: V2MeterEventAdjustmentCreateParams, options?: RequestOptions): Promise<WithLastResponse<V2MeterEventAdjustment>> {
    return this.#core.request('POST', '/v2/billing/meter_event_adjustments', { body: params }, options);
  }
}
