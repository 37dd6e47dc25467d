// The v2 endpoints: the meter event session, the stream (200 {} at once; every event validated
// afterwards, the invalid ones reported, duplicates dropped), events validated synchronously, and
// adjustments.
import { applyCancel } from './cancel.js';
import { eventRules, type Handler } from './context.js';
import { checkEvent, decodeEvent, ingest, isProblem, isReply, reportFailure, v2Refusal, type IncomingEvent, type WireEvent } from './events.js';
import { randomId } from './ids.js';
import { duplicateProblem } from '../rules/duplicates.js';
import { v2Error } from './wire.js';

const iso = (ms: number) => new Date(ms).toISOString();

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
    const event = decodeEvent(events[i] as WireEvent, `events[${i}]`, 'v2');
    if (isReply(event)) return event;
    decoded.push(event);
  }
  const rules = eventRules(context);
  // A batch is never its own resend: an identifier it repeats is a second event, reported, not
  // dropped without a word. (One resent in a later request counts once; Stripe has no code for it.)
  const inBatch = new Set<string>();
  for (const event of decoded) {
    if (event.identifier !== undefined) {
      if (inBatch.has(event.identifier)) {
        reportFailure(context, { problem: duplicateProblem(event.identifier), record: context.account.byEventName.get(event.event_name) }, event);
        continue;
      }
      inBatch.add(event.identifier);
    }
    const checked = checkEvent(context.account, event, context.now, rules);
    if (!isProblem(checked)) ingest(context.account.receiving('stream'), checked, event.identifier, context.now);
    else if (checked.problem.code !== 'duplicate_meter_event') reportFailure(context, checked, event);
  }
  return { status: 200, body: {} };
};

export const createV2MeterEvent: Handler = (context) => {
  const wire = context.params as unknown as WireEvent;
  const identifier = wire.identifier ?? crypto.randomUUID();
  const event = decodeEvent({ ...wire, identifier }, '', 'v2');
  if (isReply(event)) return event;
  const rules = eventRules(context);
  const checked = checkEvent(context.account, event, context.now, rules);
  if (isProblem(checked)) {
    const refused = v2Refusal(checked);
    if (refused !== undefined) return refused;
    reportFailure(context, checked, event);
  } else {
    ingest(context.account.receiving('v2'), checked, identifier, context.now);
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
