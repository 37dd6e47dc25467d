// The rules of one meter event against the meter its name selects: the meter exists and is
// active, the payload holds the customer under the meter's customer key and a usage value Stripe
// reads under its value key (a `count` meter counts events and reads no value).
import { join, problem, type RuleProblem } from './problem.js';
import { usageValueProblem, type ValueOptions } from './values.js';

/** What the rules need to know of a meter. */
export interface MeterKeys {
  id: string;
  active: boolean;
  formula: 'sum' | 'count' | 'last';
  /** customer_mapping.event_payload_key (default `stripe_customer_id`). */
  customerKey: string;
  /** value_settings.event_payload_key (default `value`). */
  valueKey: string;
}

/** What the rules read of a meter object as Stripe returns it. */
export interface MeterObject {
  id: string;
  event_name: string;
  status: string;
  default_aggregation: { formula: string };
  customer_mapping?: { event_payload_key: string } | null;
  value_settings?: { event_payload_key: string } | null;
}

/** The rule's keys of a meter object as Stripe returns it. */
export function meterKeys(meter: Omit<MeterObject, 'event_name'>): MeterKeys {
  const formula = meter.default_aggregation.formula;
  return {
    id: meter.id,
    active: meter.status === 'active',
    formula: formula === 'count' || formula === 'last' ? formula : 'sum',
    customerKey: meter.customer_mapping?.event_payload_key ?? 'stripe_customer_id',
    valueKey: meter.value_settings?.event_payload_key ?? 'value',
  };
}

/** The meters by event name; an active meter wins over an inactive one with the same name. */
export function meterIndex(meters: Iterable<MeterObject>): Map<string, MeterKeys> {
  const index = new Map<string, MeterKeys>();
  for (const m of meters) {
    if (index.get(m.event_name)?.active === true) continue;
    index.set(m.event_name, meterKeys(m));
  }
  return index;
}

/** The problem of an event name that selects no active meter, or undefined. */
export function meterProblem(eventName: string, meter: MeterKeys | undefined, where = ''): RuleProblem | undefined {
  const param = join(where, 'event_name');
  // Stripe's own words (its no_meter error reports).
  if (meter === undefined) return problem('no_meter', param, `No meter was found matching event_name ${eventName}.`);
  if (!meter.active) return problem('archived_meter', param, `The meter ${meter.id} for event_name ${eventName} is inactive; it accepts no events.`);
  return undefined;
}

/** The first problem of a payload read by `meter`, or undefined. `where` names the payload. */
export function meterPayloadProblem(payload: Readonly<Record<string, string>>, meter: MeterKeys, where = 'payload', options: ValueOptions = {}): RuleProblem | undefined {
  const customer = Object.hasOwn(payload, meter.customerKey) ? payload[meter.customerKey] : undefined;
  // Stripe's own words.
  if (customer === undefined || customer === '') return problem('meter_event_no_customer_defined', join(where, meter.customerKey), `Customer mapping key ${meter.customerKey} not found in payload.`);
  if (meter.formula === 'count') return undefined;
  const value = Object.hasOwn(payload, meter.valueKey) ? payload[meter.valueKey] : undefined;
  if (value === undefined) return problem('meter_event_value_not_found', join(where, meter.valueKey), `Value settings key ${meter.valueKey} not found in payload.`);
  return usageValueProblem(value, join(where, meter.valueKey), options);
}

/**
 * The first reason the meters in `meters` (by event name, meterIndex) would not count the event:
 * no meter, an inactive one, or a payload it cannot read (customer, value). undefined: it counts,
 * as far as the meter can tell (an unknown customer is Stripe's to find).
 */
export function meterEventProblem(event: { event_name: string; payload: Readonly<Record<string, string>> }, meters: ReadonlyMap<string, MeterKeys>, where = '', options: ValueOptions = {}): RuleProblem | undefined {
  const meter = meters.get(event.event_name);
  return meterProblem(event.event_name, meter, where) ?? meterPayloadProblem(event.payload, meter as MeterKeys, join(where, 'payload'), options);
}
