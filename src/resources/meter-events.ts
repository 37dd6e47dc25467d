import type { Core } from '../internal/core.js';
import { createMeterEvent } from '../internal/meter-events.js';
import type { RequestOptions, WithLastResponse } from '../options.js';
import type { MeterEvent, MeterEventAdjustment, MeterEventAdjustmentCreateParams, MeterEventCreateInput } from '../types.js';

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
  create(params: MeterEventCreateInput, options?: RequestOptions): Promise<WithLastResponse<MeterEvent>> {
    return createMeterEvent(this.#core, '/v1/billing/meter_events', params, options);
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
