// Type-level tests (vitest --typecheck and tsc): the public API accepts what Stripe accepts, and
// results are typed from the spec's paths, not asserted.
import { describe, expectTypeOf, it } from 'vitest';
import { GetBillingMeters, GetBillingMetersId } from '../generated/rules.js';
import {
  ListPromise,
  MeterEventSender,
  Meters,
  StripeMeters,
  StripeMetersCore,
  type LastResponse,
  type List,
  type Meter,
  type MeterEvent,
  type MeterEventSummary,
  type Page,
  type V2MeterEventSession,
  type WithLastResponse,
} from '../src/index.js';

const stripe = new StripeMeters('sk_test_types');
declare const core: StripeMetersCore;

describe('types', () => {
  it('results are the named types with lastResponse', () => {
    expectTypeOf(stripe.billing.meters.create).returns.toEqualTypeOf<Promise<WithLastResponse<Meter>>>();
    expectTypeOf(stripe.billing.meters.retrieve).returns.resolves.toHaveProperty('lastResponse').toEqualTypeOf<LastResponse>();
    expectTypeOf(stripe.billing.meters.list).returns.toEqualTypeOf<ListPromise<Meter>>();
    expectTypeOf(stripe.billing.meters.listEventSummaries).returns.toEqualTypeOf<ListPromise<MeterEventSummary>>();
    expectTypeOf(stripe.billing.meterEvents.create).returns.resolves.toEqualTypeOf<WithLastResponse<MeterEvent>>();
    expectTypeOf(stripe.v2.billing.meterEventSession.create).returns.resolves.toExtend<V2MeterEventSession>();
    expectTypeOf<Meter['status']>().toEqualTypeOf<'active' | 'inactive'>();
    expectTypeOf<Meter['default_aggregation']['formula']>().toEqualTypeOf<'count' | 'sum' | 'last'>();
    expectTypeOf<Meter['event_time_window']>().toEqualTypeOf<'day' | 'hour' | null | undefined>();
    expectTypeOf<MeterEventSummary['aggregated_value']>().toEqualTypeOf<number>();
    expectTypeOf<Awaited<ListPromise<Meter>>>().toEqualTypeOf<Page<Meter>>();
    expectTypeOf<Page<Meter>>().toExtend<List<Meter>>();
    expectTypeOf<Page<Meter>['data']>().toEqualTypeOf<Meter[]>();
  });

  it('results are derived from the path: a wrong declaration does not compile', () => {
    const right = (): Promise<WithLastResponse<Meter>> => core.request(GetBillingMetersId, { params: { path: { id: 'mtr_1' } } }, undefined, (c, init) => c.GET('/v1/billing/meters/{id}', init));
    // @ts-expect-error a meter is not a meter event session
    const wrong = (): Promise<WithLastResponse<V2MeterEventSession>> => core.request(GetBillingMetersId, { params: { path: { id: 'mtr_1' } } }, undefined, (c, init) => c.GET('/v1/billing/meters/{id}', init));
    // @ts-expect-error a list endpoint answers a page, not a meter
    const page = (): Promise<WithLastResponse<Meter>> => core.request(GetBillingMeters, { params: {} }, undefined, (c, init) => c.GET('/v1/billing/meters', init));
    // @ts-expect-error the path is checked against the spec
    const typo = () => core.request(GetBillingMeters, {}, undefined, (c, init) => c.GET('/v1/billing/meterz', init));
    void [right, wrong, page, typo];
  });

  it('the core and one resource give the same types as the full client', () => {
    const meters = new Meters(new StripeMetersCore('sk_test_types'));
    expectTypeOf(meters.list).toEqualTypeOf(stripe.billing.meters.list);
    expectTypeOf(meters.retrieve).returns.toEqualTypeOf<Promise<WithLastResponse<Meter>>>();
    expectTypeOf(stripe).toExtend<StripeMetersCore>();
  });

  it('raw says what it does: typed by path, thrown errors, no error branch', async () => {
    const { data } = await stripe.raw.GET('/v1/billing/meters/{id}', { params: { path: { id: 'mtr_1' } } });
    expectTypeOf(data.id).toEqualTypeOf<string>();
    expectTypeOf(data.lastResponse).toEqualTypeOf<LastResponse>();
    const result = await stripe.raw.GET('/v1/billing/meters', {});
    // @ts-expect-error raw throws on an error answer: there is no `error` to check
    void result.error;
    // @ts-expect-error raw is typed by path too
    void stripe.raw.GET('/v1/billing/meterz');
  });

  it('internal constructors are not public; the sender is made from any client', () => {
    // @ts-expect-error ListPromise is made by list methods only
    void new ListPromise(() => Promise.reject(new Error('x')), {});
    expectTypeOf(stripe.meterEventSender()).toEqualTypeOf<MeterEventSender>();
    expectTypeOf(new MeterEventSender(core)).toEqualTypeOf<MeterEventSender>();
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
      // @ts-expect-error v1 timestamps are unix seconds or a Date, not strings
      void stripe.billing.meterEvents.create({ event_name: 'e', payload: {}, timestamp: '2026-11-22' });
      // @ts-expect-error the stream needs its session token in the options
      void stripe.v2.billing.meterEventStream.create({ events: [] });
      // @ts-expect-error cancel.identifier is required in v2 adjustments
      void stripe.v2.billing.meterEventAdjustments.create({ event_name: 'e', type: 'cancel', cancel: {} });
      // @ts-expect-error timeout is a number of milliseconds
      void stripe.billing.meters.retrieve('mtr_1', {}, { timeout: '5s' });
      // @ts-expect-error flush takes a signal, not a timeout
      void stripe.meterEventSender().flush({ timeout: 1000 });
    });
    expectTypeOf(stripe.billing.meterEvents.create).parameter(0).toHaveProperty('payload').toEqualTypeOf<Record<string, string | number>>();
    expectTypeOf(stripe.billing.meterEvents.create).parameter(0).toHaveProperty('timestamp').toEqualTypeOf<number | Date | undefined>();
  });
});
