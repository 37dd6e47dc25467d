// `stripe-meters meters list|create|retrieve|update|deactivate|reactivate`: a table or a card on a
// terminal, the API's JSON with --json.
import type { Meter, MeterCreateParams, StripeMeters } from '../index.js';
import type { CommandContext } from './context.js';
import { count, table } from './format.js';
import { isoSeconds } from './time.js';

export interface MeterCreateFlags {
  displayName: string;
  eventName: string;
  formula: 'sum' | 'count' | 'last';
  customerKey?: string;
  valueKey?: string;
  eventTimeWindow?: 'hour' | 'day';
}

function describeStatus(m: Meter): string {
  const at = m.status_transitions?.deactivated_at;
  return m.status === 'inactive' && typeof at === 'number' ? `inactive since ${isoSeconds(at)}` : m.status;
}

export function meterCard(m: Meter): string {
  const rows: Array<[string, string]> = [
    ['id', m.id],
    ['display name', m.display_name],
    ['event name', m.event_name],
    ['formula', m.default_aggregation.formula],
    ['event time window', m.event_time_window ?? 'none (raw events)'],
    ['customer key', m.customer_mapping.event_payload_key],
    ['value key', m.value_settings.event_payload_key],
    ['status', describeStatus(m)],
    ['created', isoSeconds(m.created)],
    ['updated', isoSeconds(m.updated)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

function print(ctx: CommandContext, json: boolean, value: unknown, text: () => string): void {
  ctx.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : text());
}

export async function metersList(stripe: StripeMeters, flags: { status?: 'active' | 'inactive'; limit: number; json?: boolean }, ctx: CommandContext): Promise<number> {
  const meters = await stripe.billing.meters.list({ limit: Math.min(100, flags.limit), ...(flags.status === undefined ? {} : { status: flags.status }) }).autoPagingToArray({ limit: flags.limit });
  print(ctx, flags.json === true, meters, () =>
    meters.length === 0
      ? 'no meters\n'
      : table(
          ['id', 'display name', 'event name', 'formula', 'window', 'customer key', 'value key', 'status'],
          meters.map((m) => [m.id, m.display_name, m.event_name, m.default_aggregation.formula, m.event_time_window ?? '-', m.customer_mapping.event_payload_key, m.value_settings.event_payload_key, m.status]),
        ) + `${count(meters.length)} meter${meters.length === 1 ? '' : 's'}\n`,
  );
  return 0;
}

export async function metersCreate(stripe: StripeMeters, flags: MeterCreateFlags & { json?: boolean }, ctx: CommandContext): Promise<number> {
  const params: MeterCreateParams = { display_name: flags.displayName, event_name: flags.eventName, default_aggregation: { formula: flags.formula } };
  if (flags.customerKey !== undefined) params.customer_mapping = { type: 'by_id', event_payload_key: flags.customerKey };
  if (flags.valueKey !== undefined) params.value_settings = { event_payload_key: flags.valueKey };
  if (flags.eventTimeWindow !== undefined) params.event_time_window = flags.eventTimeWindow;
  const meter = await stripe.billing.meters.create(params);
  print(ctx, flags.json === true, meter, () => meterCard(meter));
  return 0;
}

export type MeterAction = 'retrieve' | 'deactivate' | 'reactivate';

export async function meterAction(stripe: StripeMeters, action: MeterAction, id: string, flags: { json?: boolean }, ctx: CommandContext): Promise<number> {
  const meters = stripe.billing.meters;
  const meter = action === 'retrieve' ? await meters.retrieve(id) : action === 'deactivate' ? await meters.deactivate(id) : await meters.reactivate(id);
  print(ctx, flags.json === true, meter, () => meterCard(meter));
  return 0;
}

export async function metersUpdate(stripe: StripeMeters, id: string, flags: { displayName: string; json?: boolean }, ctx: CommandContext): Promise<number> {
  const meter = await stripe.billing.meters.update(id, { display_name: flags.displayName });
  print(ctx, flags.json === true, meter, () => meterCard(meter));
  return 0;
}
