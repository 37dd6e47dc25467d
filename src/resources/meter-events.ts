// `stripe.billing.meterEvents` and `stripe.billing.meterEventAdjustments`, or on their own with a
// StripeMetersCore; and the meter event create shared with `stripe.v2.billing.meterEvents`.
import { PostBillingMeterEventAdjustments, PostBillingMeterEvents, type OperationRule } from '../../generated/rules.js';
import type { StripeMetersCore } from '../client-core.js';
import { StripeError } from '../errors.js';
import { withLastResponse, type Call } from '../internal/call.js';
import { defaultsFor, prepareMeterEvent } from '../internal/meter-events.js';
import { isDuplicateMeterEvent } from '../rules/duplicates.js';
import type { LastResponse, RequestOptions, WithLastResponse } from '../options.js';
import type { MeterEvent, MeterEventAdjustment, MeterEventAdjustmentCreateParams, MeterEventCreateInput, MeterEventCreateParams, V2MeterEvent } from '../types.js';

/** `stripe.billing.meterEvents` */
export class MeterEvents {
  readonly #core: StripeMetersCore;

  constructor(core: StripeMetersCore) {
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
    const now = this.#core.config.now();
    let body: MeterEventCreateParams & PreparedEvent;
    try {
      body = prepareMeterEvent(params, 'v1', '', now, defaultsFor(options)) as MeterEventCreateParams & PreparedEvent;
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return createMeterEvent(this.#core, PostBillingMeterEvents, body, now, options, (c, init) => c.POST('/v1/billing/meter_events', init));
  }
}

/** `stripe.billing.meterEventAdjustments` */
export class MeterEventAdjustments {
  readonly #core: StripeMetersCore;

  constructor(core: StripeMetersCore) {
    this.#core = core;
  }

  /** Cancels a meter event by identifier (within 24 hours of Stripe receiving it). */
  create(params: MeterEventAdjustmentCreateParams, options?: RequestOptions): Promise<WithLastResponse<MeterEventAdjustment>> {
    return this.#core.request(PostBillingMeterEventAdjustments, { body: params }, options, (c, init) => c.POST('/v1/billing/meter_event_adjustments', init));
  }
}

/** A meter event prepared for the wire (src/internal/meter-events.ts): checked, identifier and timestamp filled in. */
export type PreparedEvent = {
  event_name: string;
  payload: Record<string, string>;
  identifier: string;
  timestamp?: number | string | undefined;
};

/**
 * Sends one prepared meter event (v1 or v2) with its identifier in every error, and when a
 * retried attempt is refused as a duplicate of its own identifier (an earlier attempt landed, its
 * answer was lost), answers with the event rebuilt from what was sent.
 */
export async function createMeterEvent<B extends PreparedEvent, T extends MeterEvent | V2MeterEvent>(
  core: StripeMetersCore,
  op: OperationRule,
  body: B,
  now: number,
  options: RequestOptions | undefined,
  call: Call<{ body: B }, T>,
): Promise<WithLastResponse<T>> {
  const v1 = op === PostBillingMeterEvents;
  const { timestamp } = body;
  // Prepared from a checked copy: the core takes it as it is.
  const outcome = await core.send(op, { body }, options, call, { sent: { identifier: body.identifier, timestamp }, prepared: true });
  if (outcome.ok) return outcome.value;
  const { error } = outcome;
  if (!landedEarlier(error, body.identifier)) throw error;
  const at = v1 ? Math.floor(now / 1000) : new Date(now).toISOString();
  const event = {
    object: v1 ? 'billing.meter_event' : 'v2.billing.meter_event',
    created: at,
    event_name: body.event_name,
    identifier: body.identifier,
    livemode: core.livemode(options),
    payload: body.payload,
    timestamp: timestamp ?? at,
  };
  return withLastResponse(event as T, lastResponseOf(error));
}

/**
 * A retried create refused as a duplicate of its own identifier: an earlier attempt of this very
 * call landed and its answer was lost, so the event is counted once and the call succeeded.
 */
function landedEarlier(error: StripeError, identifier: string): boolean {
  return (error.attempts ?? 1) > 1 && isDuplicateMeterEvent(error, identifier);
}

/** The lastResponse of a create that succeeded because its own earlier attempt had landed. */
function lastResponseOf(error: StripeError): LastResponse {
  return {
    requestId: error.requestId,
    statusCode: error.statusCode ?? 0,
    headers: error.headers,
    idempotencyKey: error.idempotencyKey,
    attempts: error.attempts ?? 1,
    duplicateOfEarlierAttempt: true,
  };
}
