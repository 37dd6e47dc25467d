// Every public type is an alias of the generated ones, named once here (wire names stay snake_case).
import type { components, operations, paths } from '../generated/schema.js';

type Schemas = components['schemas'];
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

export type Meter = Schemas['billing.meter'];
export type MeterEvent = Schemas['billing.meter_event'];
export type MeterEventSummary = Schemas['billing.meter_event_summary'];
export type MeterEventAdjustment = Schemas['billing.meter_event_adjustment'];
export type V2MeterEvent = Schemas['v2.billing.meter_event'];
export type V2MeterEventInput = Schemas['v2.billing.meter_event_input'];
export type V2MeterEventAdjustment = Schemas['v2.billing.meter_event_adjustment'];
export type V2MeterEventSession = Schemas['v2.billing.meter_event_session'];
/** The (empty) object the v2 meter event stream answers with once it accepted a batch. */
export type V2MeterEventStreamResult = Record<string, never>;

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

/** A page of a list endpoint. */
export interface List<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}
