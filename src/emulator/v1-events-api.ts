// POST /v1/billing/meter_events and /v1/billing/meter_event_adjustments. A v1 event is refused at
// once for its meter, identifier, timestamp or digit count; a wrong customer or value is accepted
// (200) and reported later, as Stripe documents.
import { applyCancel } from './cancel.js';
import { eventRules, type Handler } from './context.js';
import { asyncFailure, checkEvent, ingest, isProblem, reportFailure, type EventProblem, type IncomingEvent } from './events.js';
import { v1Error, type Reply } from './wire.js';

/**
 * A v1 meter event's payload values are at most 100 characters (billing.meter_event in the spec;
 * a limit of the answer's schema, which generated/rules.ts, built from request params, lacks).
 */
const PAYLOAD_VALUE_MAX_LENGTH = 100;

function refusal(problem: EventProblem, event: IncomingEvent): Reply | undefined {
  switch (problem.kind) {
    case 'no_meter':
    case 'archived_meter':
      return v1Error(400, { param: 'event_name', message: `No active meter found for event name "${event.event_name}".` });
    case 'too_old':
    case 'too_new':
      return v1Error(400, { param: 'timestamp', message: asyncFailure(problem, event).message });
    case 'too_many_digits':
      return v1Error(400, { param: `payload[${problem.key}]`, message: asyncFailure(problem, event).message });
    default:
      return undefined;
  }
}

export const createMeterEvent: Handler = (context) => {
  const p = context.params as { event_name: string; payload: Record<string, string>; timestamp?: number; identifier?: string };
  for (const [key, value] of Object.entries(p.payload)) {
    if (value.length > PAYLOAD_VALUE_MAX_LENGTH) {
      return v1Error(400, { param: `payload[${key}]`, message: `payload[${key}] must be at most ${PAYLOAD_VALUE_MAX_LENGTH} characters, got ${value.length}.` });
    }
  }
  const identifier = p.identifier ?? crypto.randomUUID();
  // Stored as answered: an event without a timestamp takes the whole second it was received in.
  const event: IncomingEvent = { event_name: p.event_name, payload: p.payload, identifier, timestamp: p.timestamp ?? Math.floor(context.now) };
  const rules = eventRules(context);
  const checked = checkEvent(context.account, event, context.now, rules);
  if (isProblem(checked)) {
    // Stripe sends no code for a duplicate, and tells clients not to retry.
    if (checked.kind === 'duplicate') return v1Error(400, { message: `An event already exists with identifier ${identifier}.` }, { 'Stripe-Should-Retry': 'false' });
    const refused = refusal(checked, event);
    if (refused !== undefined) return refused;
    reportFailure(context, checked, event);
  } else {
    ingest(context.account.receiving('v1'), checked, identifier, context.now, rules);
  }
  const created = Math.floor(context.now);
  return {
    status: 200,
    body: { object: 'billing.meter_event', created, event_name: p.event_name, identifier, livemode: false, payload: { ...p.payload }, timestamp: p.timestamp ?? created },
  };
};

export const createMeterEventAdjustment: Handler = (context) => {
  const p = context.params as { event_name: string; type: 'cancel'; cancel?: { identifier?: string } };
  const identifier = p.cancel?.identifier;
  if (identifier === undefined) {
    return v1Error(400, { code: 'parameter_missing', param: 'cancel[identifier]', message: 'Missing required param: cancel[identifier].' });
  }
  const refused = applyCancel(context, p.event_name, identifier);
  if (refused !== undefined) return v1Error(400, { code: 'resource_missing', param: 'cancel[identifier]', message: refused });
  return {
    status: 200,
    body: { object: 'billing.meter_event_adjustment', event_name: p.event_name, livemode: false, status: 'pending', type: 'cancel', cancel: { identifier } },
  };
};
