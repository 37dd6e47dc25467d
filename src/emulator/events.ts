// The rules every meter event meets, whichever endpoint brought it (v1, v2 or the stream), all
// from src/rules/: the event's shape (refused at once on every path), then an active meter for
// its name, a fresh identifier, a timestamp within Stripe's window, the meter's customer and value
// keys, a valid value, a known customer. Which broken rule an endpoint refuses at once, and with
// which code, is Stripe's (src/rules/codes.ts); the rest are reported later (error-reports.ts).
import { isReportCode, V1_REFUSED_AT_ONCE, V2_CODES, v1NoMeterMessage, type ReportCode } from '../rules/codes.js';
import { duplicateMessage, duplicateProblem } from '../rules/duplicates.js';
import { eventShapeProblem } from '../rules/event-shape.js';
import { meterKeys, meterPayloadProblem, meterProblem } from '../rules/meter.js';
import { problem, type RuleProblem } from '../rules/problem.js';
import { rfc3339Problem, parseRfc3339, timestampWindowProblem } from '../rules/timestamps.js';
import type { ValueSyntax } from '../rules/values.js';
import type { Context } from './context.js';
import type { Account, MeterRecord } from './state.js';
import { v1Error, v2Error, type Reply } from './wire.js';

/** An event as decoded from any endpoint. */
export interface IncomingEvent {
  event_name: string;
  payload: Record<string, string>;
  identifier: string | undefined;
  /** @unit unix seconds, fractions allowed; undefined means now */
  timestamp: number | undefined;
}

export interface EventRules {
  identifierWindowSeconds: number;
  values: ValueSyntax;
  /** At most 15 significant digits (Stripe, from API version 2026-04-22.dahlia). */
  limitDigits: boolean;
  customerExists: ((customer: string, account: string | undefined) => boolean) | undefined;
}

/** A broken rule, and the meter the event named (when it exists). */
export interface EventProblem {
  problem: RuleProblem;
  record: MeterRecord | undefined;
}

export interface ValidEvent {
  record: MeterRecord;
  customer: string;
  value: number;
  ts: number;
}

/** The event as a handler reads it off the wire (a v2 or stream timestamp still RFC 3339). */
export interface WireEvent {
  event_name: string;
  payload: Record<string, string>;
  identifier?: string | undefined;
  timestamp?: number | string | undefined;
}

/**
 * The event decoded (timestamp in unix seconds), or the 400 that refuses its shape: every path
 * refuses these at once (the stream refuses its whole request). `where` names the event ('' or
 * `events[3]`).
 */
export function decodeEvent(event: WireEvent, where: string, api: 'v1' | 'v2'): IncomingEvent | Reply {
  let found = eventShapeProblem(event, where);
  let timestamp: number | undefined;
  if (found === undefined && typeof event.timestamp === 'string') {
    const ms = parseRfc3339(event.timestamp);
    if (ms === undefined) found = rfc3339Problem(event.timestamp, where === '' ? 'timestamp' : `${where}[timestamp]`);
    else timestamp = ms / 1000;
  } else if (typeof event.timestamp === 'number') timestamp = event.timestamp;
  if (found !== undefined) return api === 'v1' ? v1Error(400, { param: found.param, message: found.message }) : v2Error(400, { code: 'invalid_fields', message: found.message });
  return { event_name: event.event_name, payload: event.payload, identifier: event.identifier, timestamp };
}

export const isReply = (value: IncomingEvent | Reply): value is Reply => 'status' in value;

/** The first rule `event` breaks, or what it counts for. `now` in unix seconds. */
export function checkEvent(account: Account, event: IncomingEvent, now: number, rules: EventRules): EventProblem | ValidEvent {
  const record = account.byEventName.get(event.event_name);
  const meter = record === undefined ? undefined : meterKeys(record.meter);
  const broken = (found: RuleProblem): EventProblem => ({ problem: found, record });
  if (record === undefined || meter === undefined || !meter.active) return broken(meterProblem(event.event_name, meter) as RuleProblem);
  if (event.identifier !== undefined) {
    const received = account.receivedLast(event.identifier);
    if (received !== undefined && now - received < rules.identifierWindowSeconds) return broken(duplicateProblem(event.identifier));
  }
  const ts = event.timestamp ?? now;
  // The emulator is Stripe's clock: its window has no slack.
  const late = timestampWindowProblem(ts, now, 'timestamp', 'none');
  if (late !== undefined) return broken(late);
  const bad = meterPayloadProblem(event.payload, meter, 'payload', { syntax: rules.values, limitDigits: rules.limitDigits });
  if (bad !== undefined) return broken(bad);
  const customer = event.payload[meter.customerKey] as string;
  if (rules.customerExists !== undefined && !rules.customerExists(customer, account.id)) {
    return broken(problem('meter_event_customer_not_found', `payload[${meter.customerKey}]`, `No such customer: '${customer}'.`));
  }
  // A count meter counts events; their value is not read.
  const value = meter.formula === 'count' ? 1 : Number(event.payload[meter.valueKey]);
  return { record, customer, value, ts };
}

export const isProblem = (checked: EventProblem | ValidEvent): checked is EventProblem => 'problem' in checked;

/** Counts a valid event; `received` in unix seconds. */
export function ingest(account: Account, valid: ValidEvent, identifier: string | undefined, received: number): void {
  const series = account.seriesFor(valid.record, valid.customer);
  const position = series.append(valid.ts, valid.value, received);
  if (identifier !== undefined) account.remember(identifier, series, position);
}

/** v1's answer to a broken rule it refuses at once, or undefined for one it accepts and reports later. */
export function v1Refusal(checked: EventProblem, event: IncomingEvent): Reply | undefined {
  const { code, param, message } = checked.problem;
  if (!V1_REFUSED_AT_ONCE.has(code)) return undefined;
  // Stripe sends no code for a duplicate, and tells clients not to retry.
  if (code === 'duplicate_meter_event') return v1Error(400, { message: duplicateMessage(event.identifier ?? '') }, { 'Stripe-Should-Retry': 'false' });
  if (code === 'no_meter' || code === 'archived_meter') return v1Error(400, { param, message: v1NoMeterMessage(event.event_name) });
  return v1Error(400, { param, message });
}

/** v2's answer to a broken rule it refuses at once (with its code), or undefined for one it reports later. */
export function v2Refusal(checked: EventProblem): Reply | undefined {
  const code = V2_CODES[checked.problem.code];
  return code === undefined ? undefined : v2Error(400, { code, message: checked.problem.message });
}

/** The report code of a rule broken by an accepted event. */
export function reportCode(found: RuleProblem): ReportCode {
  if (!isReportCode(found.code)) throw new Error(`stripe-meters emulator: ${found.code} is not a rule an accepted event can break`);
  return found.code;
}

/** Keeps an event that was accepted but does not count, for the error reports. */
export function reportFailure(context: Context, checked: EventProblem, event: IncomingEvent): void {
  context.state.reports.add({
    account: context.account.id,
    meterId: checked.problem.code === 'no_meter' ? undefined : checked.record?.meter.id,
    eventName: event.event_name,
    code: reportCode(checked.problem),
    message: checked.problem.message,
    identifier: event.identifier,
    idempotencyKey: context.idempotencyKey,
    atMs: context.nowMs,
  });
}
