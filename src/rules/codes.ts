// How Stripe answers each broken rule of a meter event, by path: which rules v1 and v2 refuse at
// once and with which v2 code, and the code its meter error reports give the rest (every rule
// on the stream, which validates afterwards). Sources: the usage guide and API reference
// (../shared/reference/meter-semantics.md §3, thin-events.md §4).
import type { RuleCode } from './problem.js';

/** The codes of Stripe's meter error reports (an open enum), and the emulator's duplicate_meter_event. */
export type ReportCode =
  | 'archived_meter'
  | 'duplicate_meter_event'
  | 'meter_event_customer_not_found'
  | 'meter_event_invalid_value'
  | 'meter_event_no_customer_defined'
  | 'meter_event_value_not_found'
  | 'meter_event_value_too_many_digits'
  | 'no_meter'
  | 'timestamp_in_future'
  | 'timestamp_too_far_in_past';

const REPORT_CODES: ReadonlySet<string> = new Set<ReportCode>([
  'archived_meter',
  'duplicate_meter_event',
  'meter_event_customer_not_found',
  'meter_event_invalid_value',
  'meter_event_no_customer_defined',
  'meter_event_value_not_found',
  'meter_event_value_too_many_digits',
  'no_meter',
  'timestamp_in_future',
  'timestamp_too_far_in_past',
]);

/**
 * Whether a rule can be broken by an event that was accepted, and so be reported later under the
 * same code (the others are the event's shape: every path refuses those at once).
 */
export const isReportCode = (code: RuleCode): code is RuleCode & ReportCode => REPORT_CODES.has(code);

/**
 * v1 refuses at once an event with no active meter, a duplicate identifier, a timestamp out of
 * the window or too many digits; it accepts the rest (customer, value) and reports them later.
 */
export const V1_REFUSED_AT_ONCE: ReadonlySet<RuleCode> = new Set<RuleCode>(['no_meter', 'archived_meter', 'duplicate_meter_event', 'timestamp_too_far_in_past', 'timestamp_in_future', 'meter_event_value_too_many_digits']);

/**
 * v2's code for each rule it refuses at once (its error table; the timestamp codes are those of
 * the error reports). An unknown customer is not on the list: it is reported later.
 */
export const V2_CODES: Readonly<Partial<Record<RuleCode, string>>> = {
  no_meter: 'no_meter',
  archived_meter: 'archived_meter',
  duplicate_meter_event: 'duplicate_meter_event',
  meter_event_no_customer_defined: 'payload_no_customer_defined',
  meter_event_value_not_found: 'payload_no_value_defined',
  meter_event_invalid_value: 'payload_invalid_value',
  meter_event_value_too_many_digits: 'payload_invalid_value',
  timestamp_too_far_in_past: 'timestamp_too_far_in_past',
  timestamp_in_future: 'timestamp_in_future',
};

/** v1's message for an event name with no active meter (Stripe's words), instead of the rule's. */
export const v1NoMeterMessage = (eventName: string): string => `No active meter found for event name "${eventName}".`;
