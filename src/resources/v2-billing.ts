import { StripeInvalidParameterError } from '../errors.js';
import { eventAsSent, type Core } from '../internal/core.js';
import { newIdentifier } from '../internal/ids.js';
import { checkParams, normalizePayload } from '../internal/validate.js';
import type { RequestOptions, WithLastResponse } from '../options.js';
import type {
  V2MeterEvent,
  V2MeterEventAdjustment,
  V2MeterEventAdjustmentCreateParams,
  V2MeterEventCreateParams,
  V2MeterEventInput,
  V2MeterEventSession,
  V2MeterEventStreamResult,
} from '../types.js';
import type { MeterEventPayload } from './meter-events.js';

export type V2MeterEventCreateInput = Omit<V2MeterEventCreateParams, 'payload'> & { payload: MeterEventPayload };
export interface V2MeterEventStreamCreateInput {
  events: Array<Omit<V2MeterEventInput, 'payload'> & { payload: MeterEventPayload }>;
}

export const MAX_STREAM_BATCH = 100;

/**
 * Payload numbers become strings, and a missing identifier is generated so that a retried request
 * can never count an event twice. `where` is '' for a single event, `events[i]` in a stream batch.
 */
function toWireEvent(event: V2MeterEventCreateInput, where: string): V2MeterEventInput {
  checkParams(event, where === '' ? 'params' : where);
  const payload = normalizePayload(event.payload, where === '' ? 'payload' : `${where}.payload`);
  return { ...event, payload, identifier: event.identifier ?? newIdentifier() };
}

/** `stripe.v2.billing.meterEventSession` */
export class MeterEventSessions {
  constructor(private readonly core: Core) {}

  /** A session token for the meter event stream, valid for 15 minutes. */
  create(options?: RequestOptions): Promise<WithLastResponse<V2MeterEventSession>> {
    return this.core.send('POST', options, (init) => this.core.raw.POST('/v2/billing/meter_event_session', { ...init }), { json: true });
  }
}

/** `stripe.v2.billing.meterEventStream` (sent to meterEventsBaseUrl) */
export class MeterEventStreamRequests {
  constructor(private readonly core: Core) {}

  /** Sends up to 100 events; authenticate with `{ apiKey: session.authentication_token }`. */
  create(params: V2MeterEventStreamCreateInput, options: RequestOptions): Promise<WithLastResponse<V2MeterEventStreamResult>> {
    return this.core.send(
      'POST',
      options,
      (init) => {
        if (options?.apiKey === undefined) {
          throw new StripeInvalidParameterError('apiKey', 'The meter event stream needs a session token: pass { apiKey: session.authentication_token }');
        }
        checkParams(params);
        const { events } = params;
        if (!Array.isArray(events) || events.length === 0 || events.length > MAX_STREAM_BATCH) {
          throw new StripeInvalidParameterError('events', `events must be an array of 1 to ${MAX_STREAM_BATCH} meter events`);
        }
        const body = { ...params, events: events.map((e, i) => toWireEvent(e, `events[${i}]`)) };
        return this.core.raw.POST('/v2/billing/meter_event_stream', { ...init, body });
      },
      { json: true, emptyBody: true },
    );
  }
}

/** `stripe.v2.billing.meterEvents` */
export class V2MeterEvents {
  constructor(private readonly core: Core) {}

  create(params: V2MeterEventCreateInput, options?: RequestOptions): Promise<WithLastResponse<V2MeterEvent>> {
    let body: V2MeterEventInput | undefined;
    const sentAt = new Date().toISOString();
    return this.core.send(
      'POST',
      options,
      (init) => {
        body = toWireEvent(params, '');
        return this.core.raw.POST('/v2/billing/meter_events', { ...init, body });
      },
      {
        json: true,
        onDuplicateOfEarlierAttempt: (): V2MeterEvent => eventAsSent('v2.billing.meter_event', sentAt, params, body, this.core.livemode(options)),
      },
    );
  }
}

/** `stripe.v2.billing.meterEventAdjustments` */
export class V2MeterEventAdjustments {
  constructor(private readonly core: Core) {}

  create(params: V2MeterEventAdjustmentCreateParams, options?: RequestOptions): Promise<WithLastResponse<V2MeterEventAdjustment>> {
    return this.core.send(
      'POST',
      options,
      (init) => {
        checkParams(params);
        return this.core.raw.POST('/v2/billing/meter_event_adjustments', { ...init, body: params });
      },
      { json: true },
    );
  }
}
