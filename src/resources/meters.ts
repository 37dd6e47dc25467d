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

const WINDOW_SECONDS = { minute: 60, hour: 3600, day: 86400 } as const;

/** Event summaries: minute-aligned bounds (hour- or UTC-day-aligned with those windows), end after start. */
function checkSummaryRange(params: Partial<MeterEventSummaryListParams>): void {
  const window = params.value_grouping_window;
  // An unknown window is the generated rules' to refuse (core checks them next).
  if (window !== undefined && !Object.hasOwn(WINDOW_SECONDS, window)) return;
  const unit = window ?? 'minute';
  // A Date is sent as its unix seconds, so it is checked as those.
  const seconds = (t: unknown) => (t instanceof Date ? Math.floor(t.getTime() / 1000) : t);
  const start = seconds(params.start_time);
  const end = seconds(params.end_time);
  for (const [key, t] of [['start_time', start], ['end_time', end]] as const) {
    // Types and presence are the generated rules' job (core checks them); alignment is Stripe's rule.
    if (typeof t === 'number' && Number.isSafeInteger(t) && t % WINDOW_SECONDS[unit] !== 0) {
      const boundary = unit === 'day' ? '00:00 UTC' : unit === 'hour' ? 'an hour boundary' : 'a minute boundary';
      throw new StripeInvalidParameterError(key, `${key} (${t}) must fall on ${boundary}${window === undefined ? '' : ` with value_grouping_window=${window}`}`);
    }
  }
  if (typeof end === 'number' && typeof start === 'number' && end <= start) {
    throw new StripeInvalidParameterError('end_time', `end_time (${end}) must be after start_time (${start})`);
  }
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
