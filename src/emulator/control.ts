// The control endpoints, outside /v1 and /v2, for clients in any language (JSON in and out; every
// input checked, a 400 naming what is wrong):
//   POST /_emulator/reset                                   -> back to a fresh emulator
//   GET|POST /_emulator/clock {"now": unix} | {"advance_seconds": n} -> {"now": unix}
//   GET /_emulator/error_reports                            -> the async error reports
//   GET|POST /_emulator/faults {"faults": [...]}            -> the fault rules in force
//   POST /_emulator/sessions/expire {"token"?: "..."}        -> {"expired": n}
//   GET /_emulator/requests                                 -> the request log
//   GET /_emulator/events?identifier=&account=&event_name=&customer= -> stored events
//   GET /_emulator/stats                                    -> counters
//   GET /_emulator/feed                                     -> the live feed's latest items
//   GET /_emulator/thin_events, POST /_emulator/thin_events/deliver -> thin events, deliveries
//   GET /_emulator/state, POST /_emulator/state             -> export, import (saved state)
import type { EmulatorClock } from './clock.js';
import type { MeterErrorReport } from './error-reports.js';
import { checkFaultRules } from './faults.js';
import type { EmulatorStats, EventFilter, StoredEvent } from './introspect.js';
import type { FaultRule } from './options.js';
import type { FeedItem } from './feed.js';
import type { EmulatorState } from './persist.js';
import type { RequestRecord } from './request-log.js';
import type { ThinEvent, ThinEventDelivery } from './thin-events.js';
import type { Usage, UsageQuery } from './usage.js';
import type { Reply } from './wire.js';

export interface Controls {
  clock: EmulatorClock;
  reset(): void;
  errorReports(): MeterErrorReport[];
  setFaults(rules: readonly FaultRule[]): void;
  faults(): FaultRule[];
  expireSessions(token?: string): number;
  requests(): RequestRecord[];
  events(filter: EventFilter): StoredEvent[];
  stats(): EmulatorStats;
  thinEvents(): ThinEvent[];
  deliverThinEvents(): Promise<ThinEventDelivery[]>;
  feed(): FeedItem[];
  exportState(): EmulatorState;
  importState(state: unknown): void;
  usage(query: UsageQuery): Usage | string;
  overview(): unknown;
}

/** The latest time the clock may show: 9999-12-31T23:59:59Z (Date and RFC 3339 both end there). @unit unix seconds */
export const MAX_CLOCK_SECONDS = 253_402_300_799;

export const fail = (status: number, message: string): Reply => ({ status, body: { error: { type: 'invalid_request_error', message } } });
const ok = (body: unknown): Reply => ({ status: 200, body });

function jsonObject(body: string): Record<string, unknown> | string {
  if (body.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(body);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  return 'The body must be a JSON object.';
}

function onlyFields(body: Record<string, unknown>, allowed: readonly string[], usage: string): Reply | undefined {
  const unknown = Object.keys(body).find((key) => !allowed.includes(key));
  return unknown === undefined ? undefined : fail(400, `Unknown field ${JSON.stringify(unknown)}: send ${usage}.`);
}

function clockRequest(controls: Controls, body: Record<string, unknown>): Reply {
  const refused = onlyFields(body, ['now', 'advance_seconds'], '{"now": <unix seconds>} or {"advance_seconds": <n>}');
  if (refused !== undefined) return refused;
  const { now, advance_seconds: advance } = body;
  if (now !== undefined && advance !== undefined) return fail(400, 'Send either now or advance_seconds, not both.');
  const current = controls.clock.now();
  if (now !== undefined) {
    if (typeof now !== 'number' || !Number.isFinite(now) || now < 0 || now > MAX_CLOCK_SECONDS) {
      return fail(400, `now must be a number of unix seconds from 0 to ${MAX_CLOCK_SECONDS} (9999-12-31T23:59:59Z).`);
    }
    controls.clock.set(now);
  } else if (advance !== undefined) {
    if (typeof advance !== 'number' || !Number.isFinite(advance) || current + advance < 0 || current + advance > MAX_CLOCK_SECONDS) {
      return fail(400, `advance_seconds must be a number of seconds that keeps the clock from 0 to ${MAX_CLOCK_SECONDS} (9999-12-31T23:59:59Z); it shows ${current}.`);
    }
    controls.clock.advance({ seconds: advance });
  }
  return ok({ now: controls.clock.now() });
}

function faultsRequest(controls: Controls, body: Record<string, unknown>): Reply {
  const refused = onlyFields(body, ['faults'], '{"faults": [...]}');
  if (refused !== undefined) return refused;
  try {
    const rules = checkFaultRules(body['faults'] ?? []);
    if (rules.some((rule) => rule.when !== undefined)) return fail(400, 'faults[].when is for in-process rules only.');
    controls.setFaults(rules);
  } catch (error) {
    return fail(400, (error as Error).message);
  }
  return ok({ faults: controls.faults() });
}

function expireRequest(controls: Controls, body: Record<string, unknown>): Reply {
  const refused = onlyFields(body, ['token'], '{} (every token) or {"token": "mes_tok_..."}');
  if (refused !== undefined) return refused;
  const { token } = body;
  if (token !== undefined && (typeof token !== 'string' || token === '')) return fail(400, 'token must be a session token (a non-empty string).');
  return ok({ expired: controls.expireSessions(token) });
}

const decoder = new TextDecoder();

/** A record as JSON can carry it: the body as text. */
function recordJson(record: RequestRecord): Record<string, unknown> {
  const { body, ...rest } = record;
  return body === undefined ? rest : { ...rest, body: decoder.decode(body) };
}

function eventsRequest(controls: Controls, query: URLSearchParams): Reply {
  const filter: EventFilter = {};
  for (const [name, value] of query) {
    if (name === 'account') filter.account = value === '' ? null : value;
    else if (name === 'identifier' || name === 'event_name' || name === 'customer') filter[name] = value;
    else if (name === 'cancelled' && (value === 'true' || value === 'false')) filter.cancelled = value === 'true';
    else return fail(400, `Unknown or invalid query parameter ${JSON.stringify(name)}: the filters are account ("" for the platform), identifier, event_name, customer and cancelled (true or false).`);
  }
  return ok({ object: 'list', data: controls.events(filter) });
}

function usageRequest(controls: Controls, query: URLSearchParams): Reply {
  const q: UsageQuery = { meter: '' };
  for (const [name, value] of query) {
    if (name === 'meter') q.meter = value;
    else if (name === 'account') q.account = value === '' ? null : value;
    else if (name === 'window' && (value === 'hour' || value === 'day')) q.window = value;
    else if ((name === 'start' || name === 'end') && /^\d{1,12}$/.test(value)) q[name] = Number(value);
    else return fail(400, `Unknown or invalid query parameter ${JSON.stringify(name)}: send meter, and optionally account, window (hour or day), start and end (unix seconds).`);
  }
  if (q.meter === '') return fail(400, 'meter is required: the id of the meter whose usage to show.');
  const found = controls.usage(q);
  return typeof found === 'string' ? fail(400, found) : ok(found);
}

function importRequest(controls: Controls, body: Record<string, unknown>): Reply {
  try {
    controls.importState(body);
  } catch (error) {
    if (error instanceof TypeError) return fail(400, `The state was not imported (nothing changed): ${error.message}.`);
    throw error;
  }
  return ok({ imported: true, now: controls.clock.now() });
}

export function control(controls: Controls, method: string, pathname: string, query: string, text: string): Reply {
  const body = method === 'POST' ? jsonObject(text) : {};
  if (typeof body === 'string') return fail(400, body);
  if (method === 'POST' && pathname === '/_emulator/thin_events/deliver') {
    // Answered once the deliveries are done: the adapters await `deferred`.
    return { status: 200, body: null, deferred: controls.deliverThinEvents().then((deliveries) => ({ status: 200, body: { object: 'list', data: deliveries } })) };
  }
  switch (`${method} ${pathname}`) {
    case 'POST /_emulator/reset':
      controls.reset();
      return ok({ reset: true, now: controls.clock.now() });
    case 'GET /_emulator/clock':
    case 'POST /_emulator/clock':
      return clockRequest(controls, body);
    case 'GET /_emulator/error_reports':
      return ok({ object: 'list', data: controls.errorReports() });
    case 'POST /_emulator/faults':
      return faultsRequest(controls, body);
    case 'GET /_emulator/faults':
      return ok({ faults: controls.faults() });
    case 'POST /_emulator/sessions/expire':
      return expireRequest(controls, body);
    case 'GET /_emulator/requests':
      return ok({ object: 'list', data: controls.requests().map(recordJson) });
    case 'GET /_emulator/events':
      return eventsRequest(controls, new URLSearchParams(query));
    case 'GET /_emulator/stats':
      return ok(controls.stats());
    case 'GET /_emulator/usage':
      return usageRequest(controls, new URLSearchParams(query));
    case 'GET /_emulator/overview':
      return ok(controls.overview());
    case 'GET /_emulator/feed':
      return ok({ object: 'list', data: controls.feed() });
    case 'GET /_emulator/thin_events':
      return ok({ object: 'list', data: controls.thinEvents() });
    case 'GET /_emulator/state':
      return ok(controls.exportState());
    case 'POST /_emulator/state':
      return importRequest(controls, body);
    default:
      return fail(404, `Unknown control endpoint ${method} ${pathname}: the emulator has POST /_emulator/reset, /_emulator/clock, /_emulator/faults, /_emulator/sessions/expire /_emulator/state, /_emulator/thin_events/deliver and GET /_emulator/clock, /_emulator/faults, /_emulator/error_reports, /_emulator/requests, /_emulator/events, /_emulator/stats, /_emulator/feed, /_emulator/thin_events, /_emulator/state.`);
  }
}
