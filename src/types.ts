// Every public type is named once here, from the generated ones (wire names stay snake_case).
// Objects are interfaces that extend the generated shapes, so hovers and compiler errors say
// `Meter`, not a twenty-line anonymous type; a result typed from the spec is assignable to them.
import type { components, operations, paths } from '../generated/schema.js';
import type { LastResponse } from './options.js';

type Schemas = components['schemas'];
type MeterShape = Schemas['billing.meter'];
type MeterEventShape = Schemas['billing.meter_event'];
type MeterEventSummaryShape = Schemas['billing.meter_event_summary'];
type MeterEventAdjustmentShape = Schemas['billing.meter_event_adjustment'];
type V2MeterEventShape = Schemas['v2.billing.meter_event'];
type V2MeterEventInputShape = Schemas['v2.billing.meter_event_input'];
type V2MeterEventAdjustmentShape = Schemas['v2.billing.meter_event_adjustment'];
type V2MeterEventSessionShape = Schemas['v2.billing.meter_event_session'];
type FormBody<Op extends keyof operations> = operations[Op] extends {
  requestBody?: { content: { 'application/x-www-form-urlencoded': infer B } };
}
  ? B
  : never;
type JsonBody<Op extends keyof operations> = operations[Op] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;
type Query<Op extends keyof operations> = operations[Op] extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

export type { paths, components, operations };

/** A billing meter: how to aggregate meter events over a billing period. */
export interface Meter extends MeterShape {}
/** A v1 meter event, as Stripe recorded it. */
export interface MeterEvent extends MeterEventShape {}
/** The aggregated value of a meter for a customer over a time range. */
export interface MeterEventSummary extends MeterEventSummaryShape {}
/** A v1 meter event adjustment (a cancellation). */
export interface MeterEventAdjustment extends MeterEventAdjustmentShape {}
/** A v2 meter event, as Stripe recorded it (times are RFC 3339 strings). */
export interface V2MeterEvent extends V2MeterEventShape {}
/** One event of a v2 stream request, as sent. */
export interface V2MeterEventInput extends V2MeterEventInputShape {}
/** A v2 meter event adjustment (a cancellation). */
export interface V2MeterEventAdjustment extends V2MeterEventAdjustmentShape {}
/** A v2 meter event session: a token for the meter event stream, valid 15 minutes. */
export interface V2MeterEventSession extends V2MeterEventSessionShape {}
/** The (empty) object the v2 meter event stream answers with once it accepted a batch. */
export interface V2MeterEventStreamResult {}

export type MeterCreateParams = FormBody<'PostBillingMeters'>;
export type MeterUpdateParams = FormBody<'PostBillingMetersId'>;
export type MeterRetrieveParams = Query<'GetBillingMetersId'>;
export type MeterDeactivateParams = FormBody<'PostBillingMetersIdDeactivate'>;
export type MeterReactivateParams = FormBody<'PostBillingMetersIdReactivate'>;
export type MeterListParams = Query<'GetBillingMeters'>;
export type MeterEventSummaryListParams = Query<'GetBillingMetersIdEventSummaries'>;
export type MeterEventCreateParams = FormBody<'PostBillingMeterEvents'>;
export type MeterEventAdjustmentCreateParams = FormBody<'PostBillingMeterEventAdjustments'>;
export type V2MeterEventCreateParams = JsonBody<'PostV2BillingMeterEvents'>;
export type V2MeterEventStreamCreateParams = JsonBody<'PostV2BillingMeterEventStream'>;
export type V2MeterEventAdjustmentCreateParams = JsonBody<'PostV2BillingMeterEventAdjustments'>;

/** Payload values may be given as numbers; they are sent as the decimal strings Stripe expects. */
export type MeterEventPayload = Record<string, string | number>;

/** A v1 meter event to create: `timestamp` as unix seconds or a Date (default: now). */
export interface MeterEventCreateInput extends Omit<MeterEventCreateParams, 'payload' | 'timestamp'> {
  payload: MeterEventPayload;
  timestamp?: number | Date;
}

/** A v2 meter event to create: `timestamp` as an RFC 3339 string or a Date (default: now). */
export interface V2MeterEventCreateInput extends Omit<V2MeterEventCreateParams, 'payload' | 'timestamp'> {
  payload: MeterEventPayload;
  timestamp?: string | Date;
}

/** A v2 stream request: 1 to 100 events. */
export interface V2MeterEventStreamCreateInput {
  events: V2MeterEventCreateInput[];
}

/** A page of a list endpoint, as on the wire. */
export interface List<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

/** A page as a list method returns it: the wire page with its `lastResponse`. */
export interface Page<T> extends List<T> {
  readonly lastResponse: LastResponse;
}
