// The three ways a meter event travels, and the spec's rules for an event on each.
import { OPERATIONS, type ObjectRule } from '../../generated/rules.js';

/** v1 takes unix seconds, v2 and the stream RFC 3339 strings. */
export type Wire = 'v1' | 'v2' | 'stream';

/** The generated rules of one event as it goes on each wire. */
export const EVENT_RULES: Readonly<Record<Wire, ObjectRule>> = {
  v1: OPERATIONS.PostBillingMeterEvents.params,
  v2: OPERATIONS.PostV2BillingMeterEvents.params,
  stream: OPERATIONS.PostV2BillingMeterEventStream.params.properties.events.items,
};
