// What a broken rule looks like, wherever it is found: the client throws it as a
// StripeInvalidParameterError, the command line writes it as a row's reason, the emulator answers
// it with Stripe's code for the path (codes.ts). The message is the rule's one wording.

/**
 * Which rule an event or a query broke. Where Stripe has a code for it (its meter error reports),
 * the name is Stripe's.
 */
export type RuleCode =
  // the shape of an event (every path refuses it at once)
  | 'string_not_well_formed'
  | 'event_name_invalid'
  | 'identifier_invalid'
  | 'payload_key_invalid'
  | 'payload_value_invalid'
  | 'timestamp_invalid'
  // the event's time
  | 'timestamp_too_far_in_past'
  | 'timestamp_in_future'
  // the event against its meter
  | 'no_meter'
  | 'archived_meter'
  | 'meter_event_no_customer_defined'
  | 'meter_event_value_not_found'
  | 'meter_event_invalid_value'
  | 'meter_event_value_too_many_digits'
  | 'meter_event_customer_not_found'
  | 'duplicate_meter_event'
  // event summaries
  | 'summary_misaligned'
  | 'summary_range_empty';

export interface RuleProblem {
  code: RuleCode;
  /** The parameter at fault, in Stripe's bracket notation (`payload[value]`, `events[3][timestamp]`). */
  param: string;
  message: string;
}

export const problem = (code: RuleCode, param: string, message: string): RuleProblem => ({ code, param, message });

/** `where` joined with `key` in bracket notation: ('', 'a') -> 'a'; ('events[0]', 'a') -> 'events[0][a]'. */
export const join = (where: string, key: string | number): string => (where === '' ? String(key) : `${where}[${key}]`);
