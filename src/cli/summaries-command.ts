// `stripe-meters summaries METER --customer C --from T --to T [--window hour|day]`: a table with a
// bar per bucket, oldest first, and the total; --json prints the summaries as the API gives them.
import type { MeterEventSummary, StripeMeters } from '../index.js';
import type { CommandContext } from './context.js';
import { CliError } from './errors.js';
import { bar, count, table } from './format.js';
import { isoSeconds, parseTimeFlag } from './time.js';
import { widenSummaryRange } from '../rules/summaries.js';

export interface SummariesFlags {
  customer: string;
  from: string;
  to: string;
  window?: 'hour' | 'day';
  json?: boolean;
}

/** A meter id, or an event name looked up among the meters. */
async function meterId(stripe: StripeMeters, meter: string): Promise<string> {
  if (meter.startsWith('mtr_')) return meter;
  for await (const m of stripe.billing.meters.list({ limit: 100 })) if (m.event_name === meter) return m.id;
  throw new CliError(`no meter has the id or event name "${meter}"`);
}

export async function summariesCommand(stripe: StripeMeters, meter: string, flags: SummariesFlags, ctx: CommandContext): Promise<number> {
  const nowSeconds = Math.floor((ctx.now ?? Date.now)() / 1000);
  const from = parseTimeFlag(flags.from, nowSeconds);
  if (typeof from === 'string') throw new CliError(`--from: ${from}`);
  const to = parseTimeFlag(flags.to, nowSeconds);
  if (typeof to === 'string') throw new CliError(`--to: ${to}`);
  if (to <= from) throw new CliError(`--to (${isoSeconds(to)}) must be after --from (${isoSeconds(from)})`);
  const { start, end } = widenSummaryRange(from, to, flags.window);
  if ((start !== from || end !== to) && !flags.json) ctx.stderr.write(`note: range widened to ${isoSeconds(start)} .. ${isoSeconds(end)} (summaries take ${flags.window ?? 'minute'} boundaries)\n`);
  const id = await meterId(stripe, meter);
  const params = { customer: flags.customer, start_time: start, end_time: end, ...(flags.window === undefined ? {} : { value_grouping_window: flags.window }) };
  const summaries: MeterEventSummary[] = await stripe.billing.meters.listEventSummaries(id, { ...params, limit: 100 }).autoPagingToArray({ limit: 10_000 });
  if (flags.json === true) {
    ctx.stdout.write(`${JSON.stringify(summaries, null, 2)}\n`);
    return 0;
  }
  const rows = [...summaries].sort((a, b) => a.start_time - b.start_time);
  const max = Math.max(0, ...rows.map((s) => s.aggregated_value));
  const total = rows.reduce((sum, s) => sum + s.aggregated_value, 0);
  ctx.stdout.write(`${id}, customer ${flags.customer}, ${isoSeconds(start)} .. ${isoSeconds(end)}${flags.window === undefined ? '' : `, by ${flags.window}`}\n`);
  if (rows.length === 0) {
    ctx.stdout.write('no usage in this range\n');
    return 0;
  }
  ctx.stdout.write(table(['start', 'end', 'value', ''], rows.map((s) => [isoSeconds(s.start_time), isoSeconds(s.end_time), s.aggregated_value, bar(s.aggregated_value, max, 40)])));
  if (rows.length > 1) ctx.stdout.write(`total ${count(total)}\n`);
  return 0;
}
