// POST /v1/billing/meter_events and /v1/billing/meter_event_adjustments. A v1 event is refused at
// once for its meter, identifier, timestamp or digit count; a wrong customer or value is accepted
// (200) and reported later, as Stripe documents.
import { applyCancel } from './cancel.js';
import { eventRules, type Handler } from './context.js';
import { checkEvent, decodeEvent, ingest, isProblem, isReply, reportFailure, v1Refusal } from './events.js';
import { v1Error } from './wire.js';

export const createMeterEvent: Handler = (context) => {
  const p = context.params as { event_name: string; payload: Record<string, string>; timestamp?: number; identifier?: string };
  const identifier = p.identifier ?? crypto.randomUUID();
  const event = decodeEvent(p, '', 'v1');
  if (isReply(event)) return event;
  event.identifier = identifier;
  // Stored as answered: an event without a timestamp takes the whole second it was received in.
  event.timestamp ??= Math.floor(context.now);
  const rules = eventRules(context);
  const checked = checkEvent(context.account, event, context.now, rules);
  if (isProblem(checked)) {
    const refused = v1Refusal(checked, event);
    if (refused !== undefined) return refused;
    reportFailure(context, checked, event);
  } else {
    ingest(context.account.receiving('v1'), checked, identifier, context.now);
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
