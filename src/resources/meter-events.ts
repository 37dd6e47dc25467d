import { eventAsSent, type Core } from '../internal/core.js';
import { checkParams, normalizePayload } from '../internal/validate.js';
import { newIdentifier } from '../internal/ids.js';
import type { RequestOptions, WithLastResponse } from '../options.js';
import type { MeterEvent, MeterEventAdjustment, MeterEventAdjustmentCreateParams, MeterEventCreateParams } from '../types.js';

/** Payload values may be given as numbers; they are sent as the decimal strings Stripe expects. */
export type MeterEventPayload = Record<string, string | number>;
export type MeterEventCreateInput = Omit<MeterEventCreateParams, 'payload'> & { payload: MeterEventPayload };

/** `stripe.billing.meterEvents` */
export class MeterEvents {
  constructor(private readonly core: Core) {}

  /**
   * Records a meter event. Without an `identifier`, one is generated (a UUID) so that a retried
   * request can never count twice; it is in the result and in `lastResponse`'s request.
   */
  create(params: MeterEventCreateInput, options?: RequestOptions): Promise<WithLastResponse<MeterEvent>> {
    let body: MeterEventCreateParams | undefined;
    const sentAt = Math.floor(Date.now() / 1000);
    return this.core.send(
      'POST',
      options,
      (init) => {
        checkParams(params);
        body = { ...params, payload: normalizePayload(params.payload), identifier: params.identifier ?? newIdentifier() };
        return this.core.raw.POST('/v1/billing/meter_events', { ...init, body });
      },
      { onDuplicateOfEarlierAttempt: (): MeterEvent => eventAsSent('billing.meter_event', sentAt, params, body, this.core.livemode(options)) },
    );
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
