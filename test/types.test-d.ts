// Type-level tests (vitest --typecheck and tsc): the public API accepts what Stripe accepts.
import { describe, expectTypeOf, it } from 'vitest';
import {
  StripeMeters,
  type LastResponse,
  type ListPromise,
  type Meter,
  type MeterEvent,
  type MeterEventSummary,
  type V2MeterEventSession,
  type WithLastResponse,
} from '../src/index.js';

const stripe = new StripeMeters('sk_test_types');

describe('types', () => {
  it('results are the generated types with lastResponse', () => {
    expectTypeOf(stripe.billing.meters.create).returns.toEqualTypeOf<Promise<WithLastResponse<Meter>>>();
    expectTypeOf(stripe.billing.meters.retrieve).returns.resolves.toHaveProperty('lastResponse').toEqualTypeOf<LastResponse>();
    expectTypeOf(stripe.billing.meters.list).returns.toEqualTypeOf<ListPromise<Meter>>();
    expectTypeOf(stripe.billing.meters.listEventSummaries).returns.toEqualTypeOf<ListPromise<MeterEventSummary>>();
    expectTypeOf(stripe.billing.meterEvents.create).returns.resolves.toExtend<MeterEvent>();
    expectTypeOf(stripe.v2.billing.meterEventSession.create).returns.resolves.toExtend<V2MeterEventSession>();
    expectTypeOf<Meter['status']>().toEqualTypeOf<'active' | 'inactive'>();
    expectTypeOf<Meter['default_aggregation']['formula']>().toEqualTypeOf<'count' | 'sum' | 'last'>();
    expectTypeOf<Meter['event_time_window']>().toEqualTypeOf<'day' | 'hour' | null | undefined>();
    expectTypeOf<MeterEventSummary['aggregated_value']>().toEqualTypeOf<number>();
    expectTypeOf<Awaited<ListPromise<Meter>>['data']>().toEqualTypeOf<Meter[]>();
  });

  it('params are checked', () => {
    void (() => {
      // @ts-expect-error event_name is required
      void stripe.billing.meters.create({ display_name: 'x', default_aggregation: { formula: 'sum' } });
      // @ts-expect-error 'average' is not an aggregation formula
      void stripe.billing.meters.create({ display_name: 'x', event_name: 'e', default_aggregation: { formula: 'average' } });
      // @ts-expect-error colour is not a meter field
      void stripe.billing.meters.update('mtr_1', { display_name: 'x', colour: 'red' });
      // @ts-expect-error status must be active or inactive
      void stripe.billing.meters.list({ status: 'archived' });
      // @ts-expect-error customer is required for event summaries
      void stripe.billing.meters.listEventSummaries('mtr_1', { start_time: 0, end_time: 60 });
      // @ts-expect-error payload is required
      void stripe.billing.meterEvents.create({ event_name: 'e' });
      // @ts-expect-error payload values are strings or numbers
      void stripe.billing.meterEvents.create({ event_name: 'e', payload: { value: true } });
      // @ts-expect-error the stream needs its session token in the options
      void stripe.v2.billing.meterEventStream.create({ events: [] });
      // @ts-expect-error cancel.identifier is required in v2 adjustments
      void stripe.v2.billing.meterEventAdjustments.create({ event_name: 'e', type: 'cancel', cancel: {} });
      // @ts-expect-error timeout is a number of milliseconds
      void stripe.billing.meters.retrieve('mtr_1', {}, { timeout: '5s' });
      // @ts-expect-error raw is typed by path too
      void stripe.raw.GET('/v1/billing/meterz');
    });
    expectTypeOf(stripe.billing.meterEvents.create).parameter(0).toHaveProperty('payload').toEqualTypeOf<Record<string, string | number>>();
  });
});
