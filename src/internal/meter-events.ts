// Meter events, the same way on every path (v1 create, v2 create, stream create, the batching
// stream): payload numbers become the decimal strings Stripe expects, a missing identifier is
// generated (so no resend can count twice) and a missing timestamp is filled in (so a resend
// keeps the event's time), and what Stripe would refuse or drop later is refused now (the rules
// themselves are src/rules/'s).
import { StripeInvalidParameterError } from '../errors.js';
import type { V2MeterEventStreamCreateParams } from '../types.js';
import { newIdentifier } from './ids.js';
import { setOwn, snapshot } from './params.js';
import { eventShapeProblem } from '../rules/event-shape.js';
import { MAX_IDENTIFIER_LENGTH, MILLISECONDS_THRESHOLD } from '../rules/limits.js';
import { describeValue, findObjectProblem } from '../rules/params.js';
import type { RuleProblem } from '../rules/problem.js';
import { parseRfc3339, rfc3339Problem, timestampWindowProblem, unixSecondsProblem } from '../rules/timestamps.js';
import { decimalOfNumber } from '../rules/values.js';
import { EVENT_RULES, type Wire } from '../rules/wire.js';

const RULES = EVENT_RULES;

const join = (where: string, key: string) => (where === '' ? key : `${where}[${key}]`);
const fail = (param: string, message: string): never => {
  throw new StripeInvalidParameterError(param, message);
};
const refuse = (problem: RuleProblem | undefined): void => {
  if (problem !== undefined) fail(problem.param, problem.message);
};

let isoMs = -1;
let iso = '';
/** `ms` as RFC 3339, formatted once per millisecond (the stream takes many events per ms). */
function isoOf(ms: number): string {
  if (ms !== isoMs) {
    isoMs = ms;
    iso = new Date(ms).toISOString();
  }
  return iso;
}

function payloadOf(payload: unknown, param: string): Record<string, string> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return fail(param, `${param} must be an object of string values, got ${describeValue(payload)}`);
  const out: Record<string, string> = {};
  for (const key of Object.keys(payload)) {
    const where = `${param}[${key}]`;
    let value: unknown;
    try {
      value = (payload as Record<string, unknown>)[key];
    } catch (error) {
      fail(where, `${where} could not be read: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (typeof value === 'string') setOwn(out, key, value);
    else if (typeof value === 'number') {
      const text = decimalOfNumber(value, where);
      if (typeof text !== 'string') return fail(text.param, text.message);
      setOwn(out, key, text);
    } else fail(where, `${where} must be a string or a number, got ${describeValue(value)}`);
  }
  return out;
}

/** The event's time in the wire's form, or the current time when absent; refuses what Stripe would. */
function timestampOf(value: unknown, wire: Wire, param: string, now: number): number | string {
  if (value === undefined) return wire === 'v1' ? Math.floor(now / 1000) : isoOf(now);
  let ms: number;
  let out: number | string;
  if (value instanceof Date) {
    ms = value.getTime();
    if (!Number.isFinite(ms)) fail(param, `${param} is an invalid Date`);
    out = wire === 'v1' ? Math.floor(ms / 1000) : value.toISOString();
  } else if (wire === 'v1' && typeof value === 'number') {
    const problem = unixSecondsProblem(value, param);
    if (problem !== undefined) fail(param, value >= MILLISECONDS_THRESHOLD ? `${problem.message} (pass Math.floor(Date.now() / 1000), or a Date)` : problem.message);
    ms = value * 1000;
    out = value;
  } else if (wire !== 'v1' && typeof value === 'string') {
    const parsed = parseRfc3339(value);
    if (parsed === undefined) refuse(rfc3339Problem(value, param));
    ms = parsed as number;
    out = value;
  } else {
    return fail(param, `${param} must be ${wire === 'v1' ? 'unix seconds (an integer)' : 'an RFC 3339 date-time string'} or a Date, got ${describeValue(value)}`);
  }
  // The client's clock may be a little off Stripe's: at the window's edges Stripe decides.
  refuse(timestampWindowProblem(ms / 1000, now / 1000, param, 'allow'));
  return out;
}

/** FNV-1a, 32 bits: a short, stable digest (not a secret). */
function fnv1a(text: string, seed: number): string {
  let hash = seed;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

/**
 * The identifier of an event sent with the caller's own Idempotency-Key and no identifier: the
 * same on every call with that key, so that repeating the call repeats the request exactly.
 */
function identifierFor(idempotencyKey: string): string {
  if (idempotencyKey.length <= MAX_IDENTIFIER_LENGTH) return idempotencyKey;
  return `${idempotencyKey.slice(0, MAX_IDENTIFIER_LENGTH - 17)}-${fnv1a(idempotencyKey, 0x811c9dc5)}${fnv1a(idempotencyKey, 0x01000193)}`;
}

/**
 * How a create fills in what the caller left out. With the caller's own Idempotency-Key, the
 * identifier comes from the key and the timestamp is left to Stripe (the time it receives the
 * event), so that a repeat of the call with that key sends the same params.
 */
export function defaultsFor(options: { idempotencyKey?: unknown } | undefined): Defaults {
  const key = options?.idempotencyKey;
  return typeof key === 'string' && key !== '' ? { identifier: identifierFor(key), timestamp: false } : { timestamp: true };
}

export interface Defaults {
  identifier?: string;
  /** Fill in the current time when the event has no timestamp. */
  timestamp: boolean;
}

/**
 * Checks a meter event and returns it as it goes on the wire: payload values as strings,
 * identifier and timestamp filled in. `where` names the event in errors ('' or `events[3]`).
 */
export function prepareMeterEvent(event: unknown, wire: Wire, where: string, now: number, defaults: Defaults = { timestamp: true }): Record<string, unknown> & { identifier: string } {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return fail(where === '' ? 'params' : where, `${where === '' ? 'params' : where} must be an object, got ${describeValue(event)}`);
  // A clock in seconds would stamp every event in 1970, and the stream would have Stripe drop them all.
  if (!Number.isFinite(now) || now < 1e11) fail('now', `the client's now option must return milliseconds since the epoch, as Date.now() does; got ${String(now)}`);
  // A v1 or v2 event is read once into a plain copy (its other fields, such as expand, go on the
  // wire as given); a stream event has exactly its four fields, read one by one (this runs per event).
  const stream = wire === 'stream';
  const given = stream ? streamFields(event, where) : snapshot(event);
  const name = given['event_name'];
  // null is not "absent": a fresh identifier on every resend of the same input could count it twice.
  const identifier = given['identifier'] === undefined ? (defaults.identifier ?? newIdentifier()) : given['identifier'];
  if (typeof identifier !== 'string') fail(join(where, 'identifier'), `${join(where, 'identifier')} must be a string, got ${describeValue(identifier)}`);
  const payload = payloadOf(given['payload'], join(where, 'payload'));
  const timestamp = given['timestamp'] !== undefined || defaults.timestamp ? timestampOf(given['timestamp'], wire, join(where, 'timestamp'), now) : undefined;
  let prepared: Record<string, unknown>;
  if (stream) prepared = { event_name: name, payload, identifier, timestamp };
  else {
    // `given` is this call's own copy (snapshot): filled in place, not copied once more.
    prepared = given;
    given['payload'] = payload;
    given['identifier'] = identifier;
    if (timestamp !== undefined) given['timestamp'] = timestamp;
  }
  const problem = findObjectProblem(RULES[wire], prepared, where);
  if (problem !== undefined) fail(problem.param, problem.message);
  refuse(eventShapeProblem({ event_name: name as string, identifier: identifier as string, payload }, where));
  return prepared as Record<string, unknown> & { identifier: string };
}

const STREAM_FIELDS = RULES.stream.properties;

/** A stream event's fields, read once each; an unknown field would get its whole batch refused later. */
function streamFields(event: object, where: string): Record<string, unknown> {
  for (const key of Object.keys(event)) {
    if (!Object.hasOwn(STREAM_FIELDS, key)) fail(join(where, key), `${join(where, key)} is not a field of a stream event (known: ${Object.keys(STREAM_FIELDS).join(', ')})`);
  }
  return { event_name: field(event, 'event_name', where), payload: field(event, 'payload', where), identifier: field(event, 'identifier', where), timestamp: field(event, 'timestamp', where) };
}

function field(event: object, key: string, where: string): unknown {
  try {
    return (event as Record<string, unknown>)[key];
  } catch (error) {
    return fail(join(where, key), `${join(where, key)} could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A stream event as sent: identifier and timestamp filled in. */
export type StreamWireEvent = V2MeterEventStreamCreateParams['events'][number] & { identifier: string; timestamp: string };

/** A stream event as sent (what the batching sender buffers and hands back). */
export function prepareStreamEvent(event: unknown, now: number, where = ''): StreamWireEvent {
  return prepareMeterEvent(event, 'stream', where, now) as StreamWireEvent;
}
