// The six meter operations: create, retrieve, update (display_name only), deactivate,
// reactivate, list (newest first, cursors, status filter).
import type { Context, Handler } from './context.js';
import { randomId } from './ids.js';
import { page } from './pagination.js';
import type { MeterObject, MeterRecord } from './state.js';
import { notFound, v1Error, type Reply } from './wire.js';

type Formula = MeterObject['default_aggregation']['formula'];
const ok = (body: unknown): Reply => ({ status: 200, body });
const seconds = (context: Context) => Math.floor(context.now);

function find(context: Context, id: string): MeterRecord | Reply {
  return context.account.meters.get(id) ?? notFound('billing meter', id);
}
const isReply = (found: MeterRecord | Reply): found is Reply => 'status' in found;

export const createMeter: Handler = (context) => {
  const p = context.params as {
    display_name: string;
    event_name: string;
    default_aggregation: { formula: Formula };
    customer_mapping?: { event_payload_key: string };
    value_settings?: { event_payload_key: string };
    event_time_window?: 'hour' | 'day';
  };
  const { account } = context;
  const taken = account.byEventName.get(p.event_name);
  if (taken !== undefined) {
    return v1Error(400, {
      code: 'resource_already_exists',
      param: 'event_name',
      message: `A meter (${taken.meter.id}) already uses event_name "${p.event_name}". Each event name can be used by one meter only.`,
    });
  }
  const now = seconds(context);
  const meter: MeterObject = {
    id: `mtr_test_${randomId(24)}`,
    object: 'billing.meter',
    created: now,
    customer_mapping: { event_payload_key: p.customer_mapping?.event_payload_key ?? 'stripe_customer_id', type: 'by_id' },
    default_aggregation: { formula: p.default_aggregation.formula },
    display_name: p.display_name,
    event_name: p.event_name,
    event_time_window: p.event_time_window ?? null,
    livemode: false,
    status: 'active',
    status_transitions: { deactivated_at: null },
    updated: now,
    value_settings: { event_payload_key: p.value_settings?.event_payload_key ?? 'value' },
  };
  const record: MeterRecord = { meter, seq: account.ordered.length, series: new Map() };
  account.meters.set(meter.id, record);
  account.byEventName.set(meter.event_name, record);
  account.ordered.push(record);
  return ok(meter);
};

export const retrieveMeter: Handler = (context) => {
  const found = find(context, context.path['id'] ?? '');
  return isReply(found) ? found : ok(found.meter);
};

export const updateMeter: Handler = (context) => {
  const found = find(context, context.path['id'] ?? '');
  if (isReply(found)) return found;
  const { display_name } = context.params as { display_name?: string };
  if (display_name !== undefined) found.meter.display_name = display_name;
  found.meter.updated = seconds(context);
  return ok(found.meter);
};

/** Deactivating an inactive meter (or reactivating an active one) changes nothing and succeeds. */
function setStatus(status: 'active' | 'inactive'): Handler {
  return (context) => {
    const found = find(context, context.path['id'] ?? '');
    if (isReply(found)) return found;
    const { meter } = found;
    if (meter.status !== status) {
      meter.status = status;
      meter.status_transitions = { deactivated_at: status === 'inactive' ? seconds(context) : null };
      meter.updated = seconds(context);
    }
    return ok(meter);
  };
}
export const deactivateMeter = setStatus('inactive');
export const reactivateMeter = setStatus('active');

export const listMeters: Handler = (context) => {
  const p = context.params as { status?: 'active' | 'inactive'; limit?: number; starting_after?: string; ending_before?: string };
  if (p.starting_after !== undefined && p.ending_before !== undefined) {
    return v1Error(400, { code: 'parameters_exclusive', param: 'ending_before', message: 'You may only specify one of these parameters: ending_before, starting_after.' });
  }
  // Newest first by `created`, creation order breaking ties (the clock can be set back).
  const all = [...context.account.ordered].sort((a, b) => b.meter.created - a.meter.created || b.seq - a.seq);
  const rank = new Map(all.map((r, i) => [r.meter.id, i]));
  const cursor = (param: 'starting_after' | 'ending_before'): number | Reply | undefined => {
    const id = p[param];
    if (id === undefined) return undefined;
    const at = rank.get(id);
    return at === undefined ? notFound('billing meter', id, param) : -at;
  };
  const after = cursor('starting_after');
  const before = cursor('ending_before');
  if (typeof after === 'object') return after;
  if (typeof before === 'object') return before;
  const listed = all.filter((r) => p.status === undefined || r.meter.status === p.status);
  const { data, has_more } = page(listed, (r) => -(rank.get(r.meter.id) ?? 0), { limit: p.limit ?? 10, after, before });
  return ok({ object: 'list', data: data.map((r) => r.meter), has_more, url: '/v1/billing/meters' });
};
