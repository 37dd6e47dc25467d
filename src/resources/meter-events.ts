import type { Core } from '../internal/core.js';
import { checkParams, normalizePayload } from '../internal/validate.js';
import type { RequestOptions, WithLastResponse } from '../options.js';
import type { MeterEvent, MeterEventAdjustment, MeterEventAdjustmentCreateParams, MeterEventCreateParams } from '../types.js';

/** Payload values may be given as numbers; they are sent as the decimal strings Stripe expects. */
export type MeterEventPayload = Record<string, string | number>;
export type MeterEventCreateInput = Omit<MeterEventCreateParams, 'payload'> & { payload: MeterEventPayload };

/** `stripe.billing.meterEvents` */
export class MeterEvents {
  constructor(private readonly core: Core) {}

  create(params: MeterEventCreateInput, options?: RequestOptions): Promise<WithLastResponse<MeterEvent>> {
    return this.core.send('POST', options, (init) => {
      checkParams(params);
      const body: MeterEventCreateParams = { ...params, payload: normalizePayload(params.payload) };
      return this.core.raw.POST('/v1/billing/meter_events', { ...init, body });
    });
  }
}

/** `stripe.billing.meterEventAdjustments` */
export class MeterEventAdjustments {
  constructor(private readonly core: Core) {}

  create(params: MeterEventAdjustmentCreateParams, options?: RequestOptions): Promise<WithLastResponse<MeterEventAdjustment>> {
    return this.core.send('POST', options, (init) => {
      checkParams(params);
      return this.core.raw.POST('/v1/billing/meter_event_adjustments', { ...init, body: params });
    });
  }
}
