// The checks a row must pass before it is sent: Stripe's rules (src/rules/, the ones the client
// and the emulator apply) on the event the row becomes, with the meter its event name selects. A
// row that fails is refused locally, with the rule's reason. The timestamp window's edges are
// refused too: a row sent at the edge may arrive past it, and Stripe would drop it later.
import { eventShapeProblem } from '../../rules/event-shape.js';
import { meterPayloadProblem, meterProblem, type MeterKeys } from '../../rules/meter.js';
import { findObjectProblem } from '../../rules/params.js';
import { timestampWindowProblem } from '../../rules/timestamps.js';
import { EVENT_RULES } from '../../rules/wire.js';
import { parseTimestamp } from '../time.js';
import type { IdentifierDeriver } from './identifier.js';
import type { RowFields } from './rows.js';

// The meters by event name: the rule's own index, shared with the outbox relay.
export { meterIndex } from '../../rules/meter.js';

/** An event ready to send: timestamp in unix seconds, payload values as strings. */
export interface CheckedEvent {
  identifier: string;
  event_name: string;
  timestamp: number;
  payload: Record<string, string>;
}

/**
 * The row's identifier (its own, or derived from its content) and time, or why they cannot be read.
 * Every row is run through this in file order, rows a resumed run skips included, so that identical
 * rows are numbered the same way on every run.
 */
export function rowIdentity(fields: RowFields, deriver: IdentifierDeriver): { identifier: string; timestamp: number } | string {
  if (fields.problem !== undefined) return fields.problem;
  const timestamp = parseTimestamp(fields.timestamp);
  if (typeof timestamp === 'string') return timestamp;
  return { identifier: fields.identifier ?? deriver.derive(fields.event_name, timestamp, fields.payload), timestamp };
}

/** The event a row becomes, or the reason Stripe would refuse or drop it. */
export function checkRow(fields: RowFields, identity: { identifier: string; timestamp: number } | string, meters: Map<string, MeterKeys>, nowSeconds: number): CheckedEvent | string {
  if (fields.problem !== undefined) return fields.problem;
  if (typeof identity === 'string') return identity;
  const { event_name: name, payload } = fields;
  const { timestamp, identifier } = identity;
  const event: { event_name: string; payload: Record<string, string>; timestamp: number; identifier?: string } = { event_name: name, payload, timestamp };
  if (fields.identifier !== undefined) event.identifier = fields.identifier;
  const broken =
    findObjectProblem(EVENT_RULES.v1, event, '') ??
    eventShapeProblem(event, '') ??
    timestampWindowProblem(timestamp, nowSeconds, 'timestamp', 'avoid') ??
    meterProblem(name, meters.get(name));
  if (broken !== undefined) return broken.message;
  const meter = meters.get(name) as MeterKeys;
  const bad = meterPayloadProblem(payload, meter);
  if (bad !== undefined) return bad.message;
  return { identifier, event_name: name, timestamp, payload };
}
