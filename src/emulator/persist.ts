// Saved state: everything the emulator holds (meters, every stored event, identifiers, idempotent
// answers, sessions, error reports, thin events, the clock) as one JSON-able document, and back.
// An import is checked whole and built aside before it replaces anything, so a bad document
// changes nothing.
import { MAX_CLOCK_MS, type ClockSnapshot } from './clock.js';
import type { MeterErrorReport } from './error-reports.js';
import type { Saved } from './idempotency.js';
import { VIAS, type Intake, type Series } from './series.js';
import { array, errorReport, fail, finite, meterObject, numbers, object, string, thinEventsSnapshot } from './state-doc.js';
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

/** Rebuilds one account's meters, events, identifiers and idempotent answers into `state`. */
function importAccount(state: State, given: unknown, where: string): void {
  const doc = object(given, where);
  const id = doc['id'] === null ? undefined : string(doc['id'], `${where}.id`);
  if (state.accounts.has(id ?? '')) fail(`${where}.id`, 'repeats another account');
  const account = state.account(id);
  array(doc['meters'], `${where}.meters`).forEach((meter, i) => {
    const at = `${where}.meters[${i}]`;
    const checked = meterObject(meter, at);
    if (account.meters.has(checked.id) || account.byEventName.has(checked.event_name)) fail(at, 'repeats a meter id or event_name');
    const record: MeterRecord = { meter: checked, seq: i, series: new Map() };
    account.meters.set(record.meter.id, record);
    account.byEventName.set(record.meter.event_name, record);
    account.ordered.push(record);
  });
  const byReceipt: Array<{ received: number; identifier: string; series: number; position: number }> = [];
  array(doc['series'], `${where}.series`).forEach((entry, i) => {
    const at = `${where}.series[${i}]`;
    const item = object(entry, at);
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
      const viaIndex = via[k] ?? -1;
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
    const [key, given] = array(entry, at, 2);
    const saved = object(given, `${at}[1]`);
    const body = saved['body'];
    const requestId = saved['requestId'];
    if (typeof body !== 'string' || typeof requestId !== 'string') return fail(`${at}[1]`, 'must be {fingerprint, status, body, requestId, at}');
    account.idempotency.save(string(key, `${at}[0]`), { fingerprint: finite(saved['fingerprint'], `${at}[1].fingerprint`), status: finite(saved['status'], `${at}[1].status`), body, requestId, at: finite(saved['at'], `${at}[1].at`) });
  });
}

export interface Imported {
  state: State;
  clock: ClockSnapshot;
  thinEvents: ThinEventsSnapshot;
}

/** Checks and rebuilds a state document; throws a TypeError naming what is wrong. */
export function importState(given: unknown, intake: Intake): Imported {
  const doc = object(given, '');
  if (doc['format'] !== STATE_FORMAT) fail('.format', `must be "${STATE_FORMAT}"`);
  if (doc['version'] !== STATE_VERSION) fail('.version', `must be ${STATE_VERSION} (this emulator reads no other)`);
  const saved = object(doc['clock'], '.clock');
  const frozen = saved['frozen'];
  if (typeof frozen !== 'boolean') return fail('.clock.frozen', 'must be true or false');
  const clock: ClockSnapshot = { nowMs: finite(saved['nowMs'], '.clock.nowMs'), offsetMs: finite(saved['offsetMs'], '.clock.offsetMs'), frozen };
  if (clock.nowMs < 0 || clock.nowMs > MAX_CLOCK_MS) fail('.clock.nowMs', 'must be from 1970 to 9999');
  const state = new State(intake);
  array(doc['accounts'], '.accounts').forEach((account, i) => importAccount(state, account, `.accounts[${i}]`));
  array(doc['sessions'], '.sessions').forEach((entry, i) => {
    const [token, given] = array(entry, `.sessions[${i}]`, 2);
    const session = object(given, `.sessions[${i}][1]`);
    const account = session['account'];
    if (!(account === undefined || typeof account === 'string')) return fail(`.sessions[${i}][1].account`, 'must be a string or absent');
    state.sessions.set(string(token, `.sessions[${i}][0]`), { account, expiresAtMs: finite(session['expiresAtMs'], `.sessions[${i}][1].expiresAtMs`) });
  });
  state.sessionsCreated = finite(doc['sessionsCreated'], '.sessionsCreated');
  const reports = array(doc['reports'], '.reports').map((entry, i): [string, MeterErrorReport] => {
    const [key, report] = array(entry, `.reports[${i}]`, 2);
    return [string(key, `.reports[${i}][0]`), errorReport(report, `.reports[${i}][1]`)];
  });
  state.reports.restore(reports);
  return { state, clock, thinEvents: thinEventsSnapshot(doc['thinEvents'], '.thinEvents') };
}

/** Moves an imported state into the live one (the emulator keeps its State object). */
export function transplant(into: State, from: State): void {
  into.clear();
  for (const [key, account] of from.accounts) into.accounts.set(key, account);
  for (const [token, session] of from.sessions) into.sessions.set(token, session);
  into.sessionsCreated = from.sessionsCreated;
  into.reports.restore(from.reports.entries());
}
