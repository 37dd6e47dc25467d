import { withLastResponse, type Core } from '../internal/core.js';
import { defaultsFor, landedEarlier, lastResponseOf, prepareMeterEvent } from '../internal/meter-events.js';
import type { RequestOptions, WithLastResponse } from '../options.js';
import type { MeterEvent, MeterEventAdjustment, MeterEventAdjustmentCreateParams, MeterEventCreateInput, MeterEventCreateParams } from '../types.js';

/** `stripe.billing.meterEvents` */
export class MeterEvents {
  readonly #core: Core;

  /** @internal */
  constructor(core: Core) {
    this.#core = core;
  }

  /**
   * Records a meter event. Without an `identifier` one is generated (a UUID), and without a
   * `timestamp` the current time is used, so that no retry or resend can count it twice or move
   * it; both are in the result and in any error (`err.identifier`, `err.timestamp`). With your own
   * `idempotencyKey` and no identifier, the identifier is derived from the key and the timestamp
   * left to Stripe, so that repeating the call with that key repeats the very same request.
   */
  async create(params: MeterEventCreateInput, options?: RequestOptions): Promise<WithLastResponse<MeterEvent>> {
    const core = this.#core;
    const now = core.config.now();
    const body = prepareMeterEvent(params, 'v1', '', now, defaultsFor(options)) as MeterEventCreateParams & { identifier: string };
    try {
      return await core.request('POST', '/v1/billing/meter_events', { body }, options, { identifier: body.identifier, timestamp: body.timestamp });
    } catch (error) {
      if (!landedEarlier(error, body.identifier)) throw error;
      const event: MeterEvent = {
        object: 'billing.meter_event',
        created: Math.floor(now / 1000),
        event_name: body.event_name,
        identifier: body.identifier,
        livemode: core.livemode(options),
        payload: body.payload,
        timestamp: body.timestamp ?? Math.floor(now / 1000),
      };
      return withLastResponse(event, lastResponseOf(error));
    }
  }
}

/** `stripe.billing.meterEventAdjustments` */
export class MeterEventAdjustments {
  readonly #core: Core;

  /** @internal */
  constructor(core: Core) {
    this.#core = core;
  }

  /** Cancels a meter event by identifier (within 24 hours of Stripe receiving it). */
  create(params: MeterEventAdjustmentCreateParams, options?: RequestOptions): Promise<WithLastResponse<MeterEventAdjustment>> {
    return this.#core.request('POST', '/v1/billing/meter_event_adjustments', { body: params }, options);
  }
}
