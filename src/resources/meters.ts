// `stripe.billing.meters`, or on its own: `new Meters(new StripeMetersCore('sk_test_...'))`.
import {
  GetBillingMeters,
  GetBillingMetersId,
  GetBillingMetersIdEventSummaries,
  PostBillingMeters,
  PostBillingMetersId,
  PostBillingMetersIdDeactivate,
  PostBillingMetersIdReactivate,
} from '../../generated/rules.js';
import type { StripeMetersCore } from '../client-core.js';
import { StripeInvalidParameterError } from '../errors.js';
import { snapshot } from '../internal/params.js';
import { ListPromise, type Cursor } from '../list-promise.js';
import { summaryRangeProblem } from '../rules/summaries.js';
import type { RequestOptions, WithLastResponse } from '../options.js';
import type {
  Meter,
  MeterCreateParams,
  MeterDeactivateParams,
  MeterEventSummary,
  MeterEventSummaryListParams,
  MeterListParams,
  MeterReactivateParams,
  MeterRetrieveParams,
  MeterUpdateParams,
  Page,
} from '../types.js';

/** Event summaries: Stripe's alignment rule, on the bounds as sent (a Date goes as its unix seconds). */
function checkSummaryRange(params: Partial<MeterEventSummaryListParams>): void {
  const window = params.value_grouping_window;
  const seconds = (t: unknown) => (t instanceof Date ? Math.floor(t.getTime() / 1000) : t);
  const start = seconds(params.start_time);
  const end = seconds(params.end_time);
  // Types, presence and an unknown window are the generated rules' to refuse (core checks them next).
  if (window !== undefined && window !== 'hour' && window !== 'day') return;
  if (typeof start !== 'number' || typeof end !== 'number' || !Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return;
  const problem = summaryRangeProblem(start, end, window);
  if (problem !== undefined) throw new StripeInvalidParameterError(problem.param, problem.message);
}

/** `stripe.billing.meters`: create, read, update, deactivate and list meters, and read their usage. */
export class Meters {
  readonly #core: StripeMetersCore;

  constructor(core: StripeMetersCore) {
    this.#core = core;
  }

  /** Creates a meter. */
  create(params: MeterCreateParams, options?: RequestOptions): Promise<WithLastResponse<Meter>> {
    return this.#core.request(PostBillingMeters, { body: params }, options, (c, init) => c.POST('/v1/billing/meters', init));
  }

  /** Retrieves a meter by id. */
  retrieve(id: string, params: MeterRetrieveParams = {}, options?: RequestOptions): Promise<WithLastResponse<Meter>> {
    return this.#core.request(GetBillingMetersId, { params: { path: { id }, query: params } }, options, (c, init) => c.GET('/v1/billing/meters/{id}', init));
  }

  /** Updates a meter (only its display name can change). */
  update(id: string, params: MeterUpdateParams, options?: RequestOptions): Promise<WithLastResponse<Meter>> {
    return this.#core.request(PostBillingMetersId, { params: { path: { id } }, body: params }, options, (c, init) => c.POST('/v1/billing/meters/{id}', init));
  }

  /** Deactivates a meter: it accepts no more events. */
  deactivate(id: string, params: MeterDeactivateParams = {}, options?: RequestOptions): Promise<WithLastResponse<Meter>> {
    return this.#core.request(PostBillingMetersIdDeactivate, { params: { path: { id } }, body: params }, options, (c, init) => c.POST('/v1/billing/meters/{id}/deactivate', init));
  }

  /** Reactivates a deactivated meter. */
  reactivate(id: string, params: MeterReactivateParams = {}, options?: RequestOptions): Promise<WithLastResponse<Meter>> {
    return this.#core.request(PostBillingMetersIdReactivate, { params: { path: { id } }, body: params }, options, (c, init) => c.POST('/v1/billing/meters/{id}/reactivate', init));
  }

  /** Lists meters, newest first: await it for the first page, or iterate it for every meter. */
  list(params: MeterListParams = {}, options?: RequestOptions): ListPromise<Meter> {
    const page = async (cursor?: Cursor): Promise<Page<Meter>> => {
      const query = snapshot(params) as MeterListParams;
      return this.#core.request(GetBillingMeters, { params: { query: { ...query, ...cursor } } }, options, (c, init) => c.GET('/v1/billing/meters', init));
    };
    return ListPromise.of(page, params);
  }

  /** A customer's usage of a meter over [start_time, end_time), in one summary or per hour or day. */
  listEventSummaries(id: string, params: MeterEventSummaryListParams, options?: RequestOptions): ListPromise<MeterEventSummary> {
    const page = async (cursor?: Cursor): Promise<Page<MeterEventSummary>> => {
      const query = snapshot(params) as MeterEventSummaryListParams;
      checkSummaryRange(query);
      return this.#core.request(GetBillingMetersIdEventSummaries, { params: { path: { id }, query: { ...query, ...cursor } } }, options, (c, init) =>
        c.GET('/v1/billing/meters/{id}/event_summaries', init),
      );
    };
    return ListPromise.of(page, params);
  }
}
