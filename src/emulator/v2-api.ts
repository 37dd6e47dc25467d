// The v2 endpoints: the meter event session, the stream (200 {} at once; every event validated
// afterwards, the invalid ones reported, duplicates dropped), events validated synchronously, and
// adjustments.
import { applyCancel } from './cancel.js';
import { eventRules, type Handler } from './context.js';
import { checkEvent, ingest, isProblem, reportFailure, type EventProblem, type IncomingEvent } from './events.js';
import { randomId } from './ids.js';
import { v2Error, type Reply } from './wire.js';

const iso = (ms: number) => new Date(ms).toISOString();
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

interface WireEvent {
  event_name: string;
  payload: Record<string, string>;
  identifier?: string;
  timestamp?: string;
}

/** The event with its timestamp in unix seconds, or the error naming a malformed timestamp. */
function incoming(event: WireEvent, param: string): IncomingEvent | Reply {
  let timestamp: number | undefined;
  if (event.timestamp !== undefined) {
    const ms = RFC3339.test(event.timestamp) ? Date.parse(event.timestamp) : NaN;
    if (!Number.isFinite(ms)) return v2Error(400, { code: 'invalid_fields', message: `${param} must be an RFC 3339 date-time, got ${JSON.stringify(event.timestamp)}` });
    timestamp = ms / 1000;
  }
  return { event_name: event.event_name, payload: event.payload, identifier: event.identifier, timestamp };
}
const isReply = (value: IncomingEvent | Reply): value is Reply => 'status' in value;

export const createSession: Handler = (context) => {
  const token = `mes_tok_${randomId(32)}`;
  const expiresAtMs = context.nowMs + context.settings.sessionLifetimeSeconds * 1000;
  const { sessions } = context.state;
  if (sessions.size >= 1024) {
    for (const [t, s] of sessions) if (s.expiresAtMs <= context.nowMs) sessions.delete(t);
  }
  sessions.set(token, { account: context.account.id, expiresAtMs });
  context.state.sessionsCreated++;
  return {
    status: 200,
    body: { id: `mtr_sess_${randomId(24)}`, object: 'v2.billing.meter_event_session', authentication_token: token, created: iso(context.nowMs), expires_at: iso(expiresAtMs), livemode: false },
  };
};

export const streamEvents: Handler = (context) => {
  const { events } = context.params as { events: WireEvent[] };
  const decoded: IncomingEvent[] = [];
  for (let i = 0; i < events.length; i++) {
    const event = incoming(events[i] as WireEvent, `events[${i}][timestamp]`);
    if (isReply(event)) return event;
    decoded.push(event);
  }
  const rules = eventRules(context);
  for (const event of decoded) {
    const checked = checkEvent(context.account, event, context.now, rules);
    if (!isProblem(checked)) ingest(context.account.receiving('stream'), checked, event.identifier, context.now, rules);
    // A resent event (same identifier) counts once; Stripe has no error code for it.
    else if (checked.kind !== 'duplicate') reportFailure(context, checked, event);
  }
  return { status: 200, body: {} };
};

function refusal(problem: EventProblem, event: IncomingEvent): Reply | undefined {
  const name = JSON.stringify(event.event_name);
  switch (problem.kind) {
    case 'no_meter':
      return v2Error(400, { code: 'no_meter', message: `A meter must exist to submit events: no meter has event_name ${name}.` });
    case 'archived_meter':
      return v2Error(400, { code: 'archived_meter', message: `The meter must be Active to submit events: the meter for event_name ${name} is inactive.` });
    case 'duplicate':
      return v2Error(400, { code: 'duplicate_meter_event', message: `A meter event with a duplicate identifier has already been submitted: ${event.identifier ?? ''}.` });
    case 'too_old':
      return v2Error(400, { code: 'timestamp_too_far_in_past', message: `The event timestamp cannot be more than 35 days in the past; expected ${iso(problem.min * 1000)} or later.` });
    case 'too_new':
      return v2Error(400, { code: 'timestamp_in_future', message: `The event timestamp cannot be more than 5 minutes in the future; expected ${iso(problem.max * 1000)} or earlier.` });
    case 'no_customer':
      return v2Error(400, { code: 'payload_no_customer_defined', message: `The payload must have a reference to the customer: key ${problem.key} is missing.` });
    case 'no_value':
      return v2Error(400, { code: 'payload_no_value_defined', message: `The payload must have a value: key ${problem.key} is missing.` });
    case 'invalid_value':
    case 'too_many_digits':
      return v2Error(400, { code: 'payload_invalid_value', message: `The value under ${problem.key} is not valid: ${JSON.stringify(problem.value)}.` });
    case 'customer_not_found':
      return undefined;
  }
}

export const createV2MeterEvent: Handler = (context) => {
  const wire = context.params as unknown as WireEvent;
  const identifier = wire.identifier ?? crypto.randomUUID();
  const event = incoming({ ...wire, identifier }, 'timestamp');
  if (isReply(event)) return event;
  const rules = eventRules(context);
  const checked = checkEvent(context.account, event, context.now, rules);
  if (isProblem(checked)) {
    const refused = refusal(checked, event);
    if (refused !== undefined) return refused;
    if (checked.kind === 'customer_not_found') reportFailure(context, checked, event);
  } else {
    ingest(context.account.receiving('v2'), checked, identifier, context.now, rules);
  }
  return {
    status: 200,
    body: {
      object: 'v2.billing.meter_event',
      created: iso(context.nowMs),
      event_name: event.event_name,
      identifier,
      livemode: false,
      payload: { ...event.payload },
      timestamp: iso((event.timestamp ?? context.now) * 1000),
    },
  };
};

export const createV2Adjustment: Handler = (context) => {
  const p = context.params as { event_name: string; type: 'cancel'; cancel: { identifier: string } };
  const refused = applyCancel(context, p.event_name, p.cancel.identifier);
  if (refused !== undefined) return v2Error(400, { code: 'invalid_cancel_configuration', message: refused });
  return {
    status: 200,
    body: {
      id: `mtr_event_adj_${randomId(24)}`,
      object: 'v2.billing.meter_event_adjustment',
      cancel: { identifier: p.cancel.identifier },
      created: iso(context.nowMs),
      event_name: p.event_name,
      livemode: false,
      status: 'pending',
      type: 'cancel',
    },
  };
};
