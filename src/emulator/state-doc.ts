// Reading the parts of a saved state document (persist.ts) from parsed JSON: each reader checks
// one value and returns it typed, or throws a TypeError naming the field (`state.reports[2][1].data`);
// a state file that does not hold what it should is refused whole, never loaded half-checked.
import { isReportCodeName } from '../rules/codes.js';
import type { MeterErrorReport, MeterErrorSample } from './error-reports.js';
import { isFiniteNumber, isObject } from './shape.js';
import type { MeterObject } from './state.js';
import type { ThinEvent, ThinEventDelivery, ThinEventsSnapshot } from './thin-events.js';

class Invalid extends TypeError {}

export const fail = (where: string, what: string): never => {
  throw new Invalid(`state${where} ${what}`);
};

export function object(value: unknown, where: string): Record<string, unknown> {
  return isObject(value) ? value : fail(where, 'must be an object');
}

export function array(value: unknown, where: string, length?: number): unknown[] {
  if (!Array.isArray(value)) return fail(where, 'must be an array');
  if (length !== undefined && value.length !== length) fail(where, `must hold ${length} items`);
  return value;
}

export function finite(value: unknown, where: string): number {
  return isFiniteNumber(value) ? value : fail(where, 'must be a finite number');
}

export function numbers(value: unknown, where: string, length?: number): number[] {
  return array(value, where, length).map((item, i) => finite(item, `${where}[${i}]`));
}

/** A non-empty string. */
export function string(value: unknown, where: string): string {
  return typeof value === 'string' && value !== '' ? value : fail(where, 'must be a non-empty string');
}

function text(value: unknown, where: string): string {
  return typeof value === 'string' ? value : fail(where, 'must be a string');
}

function textOrNull(value: unknown, where: string): string | null {
  return value === null ? null : text(value, where);
}

function oneOf<const T extends string>(value: unknown, allowed: readonly T[], where: string): T {
  const found = allowed.find((a) => a === value);
  return found ?? fail(where, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
}

function boolean(value: unknown, where: string): boolean {
  return typeof value === 'boolean' ? value : fail(where, 'must be true or false');
}

/** A billing.meter object, as the API answers it. */
export function meterObject(value: unknown, where: string): MeterObject {
  const m = object(value, where);
  const mapping = object(m['customer_mapping'], `${where}.customer_mapping`);
  const aggregation = object(m['default_aggregation'], `${where}.default_aggregation`);
  const transitions = object(m['status_transitions'], `${where}.status_transitions`);
  const settings = object(m['value_settings'], `${where}.value_settings`);
  const deactivated = transitions['deactivated_at'];
  const window = m['event_time_window'];
  return {
    id: string(m['id'], `${where}.id`),
    object: oneOf(m['object'], ['billing.meter'], `${where}.object`),
    created: finite(m['created'], `${where}.created`),
    customer_mapping: { event_payload_key: text(mapping['event_payload_key'], `${where}.customer_mapping.event_payload_key`), type: oneOf(mapping['type'], ['by_id'], `${where}.customer_mapping.type`) },
    default_aggregation: { formula: oneOf(aggregation['formula'], ['count', 'sum', 'last'], `${where}.default_aggregation.formula`) },
    display_name: text(m['display_name'], `${where}.display_name`),
    event_name: string(m['event_name'], `${where}.event_name`),
    ...(window === undefined ? {} : { event_time_window: window === null ? null : oneOf(window, ['day', 'hour'], `${where}.event_time_window`) }),
    livemode: boolean(m['livemode'], `${where}.livemode`),
    status: oneOf(m['status'], ['active', 'inactive'], `${where}.status`),
    status_transitions: deactivated === undefined ? {} : { deactivated_at: deactivated === null ? null : finite(deactivated, `${where}.status_transitions.deactivated_at`) },
    updated: finite(m['updated'], `${where}.updated`),
    value_settings: { event_payload_key: text(settings['event_payload_key'], `${where}.value_settings.event_payload_key`) },
  };
}

const REPORT_TYPES = ['v1.billing.meter.error_report_triggered', 'v1.billing.meter.no_meter_found'] as const;

function sample(value: unknown, where: string): MeterErrorSample {
  const s = object(value, where);
  const request = object(s['request'], `${where}.request`);
  const own = s['event_identifier'];
  return {
    error_message: text(s['error_message'], `${where}.error_message`),
    request: { identifier: text(request['identifier'], `${where}.request.identifier`) },
    ...(own === undefined ? {} : { event_identifier: text(own, `${where}.event_identifier`) }),
  };
}

function reportData(value: unknown, where: string): MeterErrorReport['data'] {
  const d = object(value, where);
  const reason = object(d['reason'], `${where}.reason`);
  return {
    developer_message_summary: text(d['developer_message_summary'], `${where}.developer_message_summary`),
    reason: {
      error_count: finite(reason['error_count'], `${where}.reason.error_count`),
      error_types: array(reason['error_types'], `${where}.reason.error_types`).map((item, i) => {
        const at = `${where}.reason.error_types[${i}]`;
        const t = object(item, at);
        return {
          code: isReportCodeName(t['code']) ? t['code'] : fail(`${at}.code`, 'must be a code Stripe reports'),
          error_count: finite(t['error_count'], `${at}.error_count`),
          sample_errors: array(t['sample_errors'], `${at}.sample_errors`).map((s, k) => sample(s, `${at}.sample_errors[${k}]`)),
        };
      }),
    },
    validation_start: text(d['validation_start'], `${where}.validation_start`),
    validation_end: text(d['validation_end'], `${where}.validation_end`),
  };
}

function relatedMeter(value: unknown, where: string): { id: string; type: 'billing.meter'; url: string } {
  const r = object(value, where);
  return { id: string(r['id'], `${where}.id`), type: oneOf(r['type'], ['billing.meter'], `${where}.type`), url: text(r['url'], `${where}.url`) };
}

/** A meter error report (the emulator's record of one thin event's data). */
export function errorReport(value: unknown, where: string): MeterErrorReport {
  const r = object(value, where);
  return {
    id: string(r['id'], `${where}.id`),
    object: oneOf(r['object'], ['v2.core.event'], `${where}.object`),
    type: oneOf(r['type'], REPORT_TYPES, `${where}.type`),
    created: text(r['created'], `${where}.created`),
    context: textOrNull(r['context'], `${where}.context`),
    related_object: r['related_object'] === null ? null : relatedMeter(r['related_object'], `${where}.related_object`),
    data: reportData(r['data'], `${where}.data`),
  };
}

function thinEvent(value: unknown, where: string): ThinEvent {
  const e = object(value, where);
  const related = e['related_object'];
  if (e['livemode'] !== false) fail(`${where}.livemode`, 'must be false');
  if (e['reason'] !== null) fail(`${where}.reason`, 'must be null');
  return {
    id: string(e['id'], `${where}.id`),
    object: oneOf(e['object'], ['v2.core.event'], `${where}.object`),
    type: oneOf(e['type'], REPORT_TYPES, `${where}.type`),
    livemode: false,
    created: text(e['created'], `${where}.created`),
    context: textOrNull(e['context'], `${where}.context`),
    reason: null,
    ...(related === undefined ? {} : { related_object: relatedMeter(related, `${where}.related_object`) }),
    data: reportData(e['data'], `${where}.data`),
  };
}

function optionalNumber(value: unknown, where: string): number | undefined {
  return value === undefined || value === null ? undefined : finite(value, where);
}

function delivery(value: unknown, where: string): ThinEventDelivery {
  const d = object(value, where);
  const lastError = d['lastError'];
  return {
    event: string(d['event'], `${where}.event`),
    url: string(d['url'], `${where}.url`),
    status: oneOf(d['status'], ['pending', 'delivered', 'failed'], `${where}.status`),
    attempts: finite(d['attempts'], `${where}.attempts`),
    lastStatus: optionalNumber(d['lastStatus'], `${where}.lastStatus`),
    lastError: lastError === undefined || lastError === null ? undefined : text(lastError, `${where}.lastError`),
    nextAttemptAt: optionalNumber(d['nextAttemptAt'], `${where}.nextAttemptAt`),
  };
}

/** The thin events emitted and their deliveries (`deliveries` absent in older files: none). */
export function thinEventsSnapshot(value: unknown, where: string): ThinEventsSnapshot {
  const t = object(value, where);
  return {
    emitted: array(t['emitted'], `${where}.emitted`).map((e, i) => thinEvent(e, `${where}.emitted[${i}]`)),
    deliveries: t['deliveries'] === undefined ? [] : array(t['deliveries'], `${where}.deliveries`).map((d, i) => delivery(d, `${where}.deliveries[${i}]`)),
  };
}
