// Saved state: everything the emulator holds (meters, every stored event, identifiers, idempotent
// answers, sessions, error reports, thin events, the clock) as one JSON-able document, and back.
// An import is checked whole and built aside before it replaces anything, so a bad document
// changes nothing.
import type { ClockSnapshot } from './clock.js';
import type { MeterErrorReport } from './error-reports.js';
import type { Saved } from './idempotency.js';
import { VIAS, type Intake, type Series } from './series.js';
import { State, type MeterObject, type MeterRecord, type Session } from './state.js';
import type { ThinEventsSnapshot } from './thin-events.js';

export const STATE_FORMAT = 'stripe-meters-emulator-state';
export const STATE_VERSION = 1;

interface SeriesDoc {
  meter: string;
  customer: string;
  ts: number[];
  value: number[];
  received: number[];
  cancelled: number[];
  via: number[];
  identifiers: Array<string | null>;
}

interface AccountDoc {
  id: string | null;
  meters: MeterObject[];
  series: SeriesDoc[];
  idempotency: Array<[string, Saved]>;
}

/** The emulator's state as a JSON-able document (`emulator.exportState()`). */
export interface EmulatorState {
  format: typeof STATE_FORMAT;
  version: typeof STATE_VERSION;
  clock: ClockSnapshot;
  accounts: AccountDoc[];
  sessions: Array<[string, Session]>;
  sessionsCreated: number;
  reports: Array<[string, MeterErrorReport]>;
  thinEvents: ThinEventsSnapshot;
}

export function exportState(state: State, clock: ClockSnapshot, thinEvents: ThinEventsSnapshot): EmulatorState {
  const accounts: AccountDoc[] = [];
  for (const account of state.accounts.values()) {
    accounts.push({
      id: account.id ?? null,
      meters: account.ordered.map((record) => structuredClone(record.meter)),
      series: account.series.map((s) => ({
        meter: s.meterId,
        customer: s.customer,
        ts: Array.from(s.ts.subarray(0, s.length)),
        value: Array.from(s.value.subarray(0, s.length)),
        received: Array.from(s.received.subarray(0, s.length)),
        cancelled: Array.from(s.cancelled.subarray(0, s.length)),
        via: Array.from(s.via.subarray(0, s.length)),
        identifiers: Array.from({ length: s.length }, (_, i) => s.identifier(i) ?? null),
      })),
      idempotency: account.idempotency.entries(),
    });
  }
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    clock,
    accounts,
    sessions: [...state.sessions].map(([token, session]) => [token, { ...session }]),
    sessionsCreated: state.sessionsCreated,
    reports: state.reports.entries(),
    thinEvents,
  };
}

class Invalid extends TypeError {}
const fail = (where: string, what: string): never => {
  throw new Invalid(`state${where} ${what}`);
};
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const finite = (value: unknown) => typeof value === 'number' && Number.isFinite(value);

function array(value: unknown, where: string, length?: number): unknown[] {
  if (!Array.isArray(value)) return fail(where, 'must be an array');
  if (length !== undefined && value.length !== length) fail(where, `must hold ${length} items, like the series' ts`);
  return value;
}

function numbers(value: unknown, where: string, length?: number): number[] {
  const items = array(value, where, length);
  for (let i = 0; i < items.length; i++) if (!finite(items[i])) fail(`${where}[${i}]`, 'must be a finite number');
  return items as number[];
}

function string(value: unknown, where: string): string {
  return typeof value === 'string' && value !== '' ? value : fail(where, 'must be a non-empty string');
}

/** Rebuilds one account's meters, events, identifiers and idempotent answers into `state`. */
function importAccount(state: State, doc: unknown, where: string): void {
  if (!isObject(doc)) return fail(where, 'must be an object');
  const id = doc['id'] === null ? undefined : string(doc['id'], `${where}.id`);
  if (state.accounts.has(id ?? '')) fail(`${where}.id`, 'repeats another account');
  const account = state.account(id);
  array(doc['meters'], `${where}.meters`).forEach((meter, i) => {
    const at = `${where}.meters[${i}]`;
    if (!isObject(meter) || typeof meter['id'] !== 'string' || typeof meter['event_name'] !== 'string' || !isObject(meter['default_aggregation'])) {
      return fail(at, 'must be a billing.meter object');
    }
    if (account.meters.has(meter['id']) || account.byEventName.has(meter['event_name'])) fail(at, 'repeats a meter id or event_name');
    const record: MeterRecord = { meter: structuredClone(meter) as unknown as MeterObject, seq: i, series: new Map() };
    account.meters.set(record.meter.id, record);
    account.byEventName.set(record.meter.event_name, record);
    account.ordered.push(record);
  });
  const byReceipt: Array<{ received: number; identifier: string; series: number; position: number }> = [];
  array(doc['series'], `${where}.series`).forEach((item, i) => {
    const at = `${where}.series[${i}]`;
    if (!isObject(item)) return fail(at, 'must be an object');
    const record = account.meters.get(string(item['meter'], `${at}.meter`));
    if (record === undefined) return fail(`${at}.meter`, 'names no meter of this account');
    const customer = item['customer'];
    if (typeof customer !== 'string') return fail(`${at}.customer`, 'must be a string');
    if (record.series.has(customer)) fail(at, 'repeats a meter and customer');
    const ts = numbers(item['ts'], `${at}.ts`);
    const value = numbers(item['value'], `${at}.value`, ts.length);
    const received = numbers(item['received'], `${at}.received`, ts.length);
    const cancelled = numbers(item['cancelled'], `${at}.cancelled`, ts.length);
    const via = numbers(item['via'], `${at}.via`, ts.length);
    const identifiers = array(item['identifiers'], `${at}.identifiers`, ts.length);
    const series = account.seriesFor(record, customer);
    for (let k = 0; k < ts.length; k++) {
      const viaIndex = via[k] as number;
      if (!(viaIndex >= 0 && viaIndex < VIAS.length && Number.isInteger(viaIndex))) fail(`${at}.via[${k}]`, `must be 0 to ${VIAS.length - 1}`);
      account.intake.via = viaIndex;
      const position = series.append(ts[k] as number, value[k] as number, received[k] as number);
      if (cancelled[k] === 1) series.cancel(position);
      const identifier = identifiers[k];
      if (identifier === null) continue;
      byReceipt.push({ received: received[k] as number, identifier: string(identifier, `${at}.identifiers[${k}]`), series: series.index, position });
    }
  });
  // The identifier index, rebuilt in order of receipt: the last event with an identifier wins.
  byReceipt.sort((a, b) => a.received - b.received);
  for (const item of byReceipt) account.remember(item.identifier, account.series[item.series] as Series, item.position);
  array(doc['idempotency'], `${where}.idempotency`).forEach((entry, i) => {
    const at = `${where}.idempotency[${i}]`;
    const [key, saved] = array(entry, at, 2) as [unknown, unknown];
    if (!isObject(saved) || !finite(saved['fingerprint']) || !finite(saved['status']) || typeof saved['body'] !== 'string' || typeof saved['requestId'] !== 'string' || !finite(saved['at'])) {
      return fail(at, 'must be [key, {fingerprint, status, body, requestId, at}]');
    }
    account.idempotency.save(string(key, `${at}[0]`), { fingerprint: saved['fingerprint'] as number, status: saved['status'] as number, body: saved['body'], requestId: saved['requestId'], at: saved['at'] as number });
  });
}

export interface Imported {
  state: State;
  clock: ClockSnapshot;
  thinEvents: ThinEventsSnapshot;
}

/** Checks and rebuilds a state document; throws a TypeError naming what is wrong. */
export function importState(doc: unknown, intake: Intake): Imported {
  if (!isObject(doc)) return fail('', 'must be an object');
  if (doc['format'] !== STATE_FORMAT) fail('.format', `must be "${STATE_FORMAT}"`);
  if (doc['version'] !== STATE_VERSION) fail('.version', `must be ${STATE_VERSION} (this emulator reads no other)`);
  const clock = doc['clock'];
  if (!isObject(clock) || !finite(clock['nowMs']) || !finite(clock['offsetMs']) || typeof clock['frozen'] !== 'boolean') return fail('.clock', 'must be {nowMs, offsetMs, frozen}');
  if ((clock['nowMs'] as number) < 0 || (clock['nowMs'] as number) > 253_402_300_799_000) fail('.clock.nowMs', 'must be from 1970 to 9999');
  const state = new State(intake);
  array(doc['accounts'], '.accounts').forEach((account, i) => importAccount(state, account, `.accounts[${i}]`));
  array(doc['sessions'], '.sessions').forEach((entry, i) => {
    const [token, session] = array(entry, `.sessions[${i}]`, 2) as [unknown, unknown];
    if (!isObject(session) || !finite(session['expiresAtMs']) || !(session['account'] === undefined || typeof session['account'] === 'string')) {
      return fail(`.sessions[${i}]`, 'must be [token, {account, expiresAtMs}]');
    }
    state.sessions.set(string(token, `.sessions[${i}][0]`), { account: session['account'] as string | undefined, expiresAtMs: session['expiresAtMs'] as number });
  });
  const created = doc['sessionsCreated'];
  state.sessionsCreated = finite(created) ? (created as number) : fail('.sessionsCreated', 'must be a number');
  const reports = array(doc['reports'], '.reports').map((entry, i) => {
    const [key, report] = array(entry, `.reports[${i}]`, 2) as [unknown, unknown];
    if (!isObject(report) || typeof report['id'] !== 'string' || !isObject(report['data'])) return fail(`.reports[${i}]`, 'must be [key, error report]');
    return [string(key, `.reports[${i}][0]`), report as unknown as MeterErrorReport] as [string, MeterErrorReport];
  });
  state.reports.restore(reports);
  const thinEvents = doc['thinEvents'];
  if (!isObject(thinEvents) || !Array.isArray(thinEvents['emitted'])) return fail('.thinEvents', 'must be {emitted: [...]}');
  return { state, clock: clock as unknown as ClockSnapshot, thinEvents: thinEvents as unknown as ThinEventsSnapshot };
}

/** Moves an imported state into the live one (the emulator keeps its State object). */
export function transplant(into: State, from: State): void {
  into.clear();
  for (const [key, account] of from.accounts) into.accounts.set(key, account);
  for (const [token, session] of from.sessions) into.sessions.set(token, session);
  into.sessionsCreated = from.sessionsCreated;
  into.reports.restore(from.reports.entries());
}
