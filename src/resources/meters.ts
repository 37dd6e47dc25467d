import type { Core } from '../internal/core.js';
import { checkId, checkParams, checkSummaryRange } from '../internal/validate.js';
import { ListPromise, type Cursor } from '../list-promise.js';
import type { RequestOptions, WithLastResponse } from '../options.js';
import type {
  List,
  Meter,
  MeterCreateParams,
  MeterDeactivateParams,
  MeterEventSummary,
  MeterEventSummaryListParams,
  MeterListParams,
  MeterReactivateParams,
  MeterRetrieveParams,
  MeterUpdateParams,
} from '../types.js';

// Checks run inside the `send` callback so that bad input rejects the returned promise (before
// anything is sent) instead of throwing synchronously.

/** `stripe.billing.meters` */
export class Meters {
  constructor(private readonly core: Core) {}

  create(params: MeterCreateParams, options?: RequestOptions): Promise<WithLastResponse<Meter>> {
    return this.core.send('POST', options, (init) => {
      checkParams(params);
      return this.core.raw.POST('/v1/billing/meters', { ...init, body: params });
    });
  }

  retrieve(id: string, params: MeterRetrieveParams = {}, options?: RequestOptions): Promise<WithLastResponse<Meter>> {
    return this.core.send('GET', options, (init) => {
      checkId(id);
      checkParams(params);
      return this.core.raw.GET('/v1/billing/meters/{id}', { ...init, params: { path: { id }, query: params } });
    });
  }

  update(id: string, params: MeterUpdateParams, options?: RequestOptions): Promise<WithLastResponse<Meter>> {
    return this.core.send('POST', options, (init) => {
      checkId(id);
      checkParams(params);
      return this.core.raw.POST('/v1/billing/meters/{id}', { ...init, params: { path: { id } }, body: params });
    });
  }

  deactivate(id: string, params: MeterDeactivateParams = {}, options?: RequestOptions): Promise<WithLastResponse<Meter>> {
    return this.core.send('POST', options, (init) => {
      checkId(id);
      checkParams(params);
      return this.core.raw.POST('/v1/billing/meters/{id}/deactivate', { ...init, params: { path: { id } }, body: params });
    });
  }

  reactivate(id: string, params: MeterReactivateParams = {}, options?: RequestOptions): Promise<WithLastResponse<Meter>> {
    return this.core.send('POST', options, (init) => {
      checkId(id);
      checkParams(params);
      return this.core.raw.POST('/v1/billing/meters/{id}/reactivate', { ...init, params: { path: { id } }, body: params });
    });
  }

  list(params: MeterListParams = {}, options?: RequestOptions): ListPromise<Meter> {
    const page = (cursor?: Cursor) =>
      this.core.send<List<Meter>>('GET', options, (init) => {
        checkParams(params);
        return this.core.raw.GET('/v1/billing/meters', { ...init, params: { query: { ...params, ...cursor } } });
      });
    return new ListPromise(page(), page, params);
  }

  listEventSummaries(id: string, params: MeterEventSummaryListParams, options?: RequestOptions): ListPromise<MeterEventSummary> {
    const page = (cursor?: Cursor) =>
      this.core.send<List<MeterEventSummary>>('GET', options, (init) => {
        checkId(id);
        checkParams(params);
        checkSummaryRange(params);
        return this.core.raw.GET('/v1/billing/meters/{id}/event_summaries', { ...init, params: { path: { id }, query: { ...params, ...cursor } } });
      });
    return new ListPromise(page(), page, params);
  }
}
