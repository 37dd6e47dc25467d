// Everything the emulator holds: per account (the Stripe-Account header, or the platform) its
// meters, their event series, the identifiers in use and saved idempotent answers; across
// accounts the v2 session tokens and the error reports.
import type { components } from '../../generated/schema.js';
import { ErrorReports } from './error-reports.js';
import { IdempotencyStore } from './idempotency.js';
import { IdentifierIndex } from './identifier-index.js';
import { eventRef, newIntake, refPosition, refSeries, Series, VIAS, type Intake, type Via } from './series.js';

export type MeterObject = components['schemas']['billing.meter'];

export interface MeterRecord {
  meter: MeterObject;
  /** Creation order, for newest-first lists when several meters share a second. */
  seq: number;
  series: Map<string, Series>;
}

/** Seconds an identifier is kept at least: the cancel window (24 hours from receipt). */
export const CANCEL_WINDOW_SECONDS = 24 * 3600;

export class Account {
  readonly meters = new Map<string, MeterRecord>();
  /** Event names are reserved by every meter, inactive ones too (a reactivation must not collide). */
  readonly byEventName = new Map<string, MeterRecord>();
  /** In creation order. */
  readonly ordered: MeterRecord[] = [];
  readonly series: Series[] = [];
  /**
   * Every identifier received, each pointing at the event last received with it. Never swept: the
   * stored events keep their identifiers anyway, and the windows are checked against `received`.
   */
  readonly identifiers = new IdentifierIndex();
  readonly idempotency = new IdempotencyStore();
  /** The endpoint ingesting now (set by its handler before it ingests), shared by the accounts of a State. */
  readonly intake: Intake;

  constructor(
    readonly id: string | undefined,
    intake: Intake = newIntake(),
  ) {
    this.intake = intake;
  }

  seriesFor(record: MeterRecord, customer: string): Series {
    let series = record.series.get(customer);
    if (series === undefined) {
      series = new Series(this.series.length, record.meter.id, customer, this.intake, this.identifiers);
      this.series.push(series);
      record.series.set(customer, series);
    }
    return series;
  }

  /** The event last received with `identifier` (whenever that was). */
  locate(identifier: string): { series: Series; position: number; received: number } | undefined {
    const entry = this.identifiers.find(identifier);
    if (entry < 0) return undefined;
    const ref = this.identifiers.ref(entry);
    const series = this.series[refSeries(ref)] as Series;
    const position = refPosition(ref);
    return { series, position, received: series.received[position] ?? 0 };
  }

  /** When the event last received with `identifier` was received (unix seconds), or undefined: locate() without the object. */
  receivedLast(identifier: string): number | undefined {
    const entry = this.identifiers.find(identifier);
    if (entry < 0) return undefined;
    const ref = this.identifiers.ref(entry);
    return (this.series[refSeries(ref)] as Series).received[refPosition(ref)] ?? 0;
  }

  /** Marks the endpoint the next events come through. */
  receiving(via: Via): this {
    this.intake.via = VIAS.indexOf(via);
    return this;
  }

  /** Records that the event at `position` of `series` carries `identifier` (and is now the last with it). */
  remember(identifier: string, series: Series, position: number): void {
    series.entries[position] = this.identifiers.add(identifier, eventRef(series.index, position)) + 1;
  }
}

export interface Session {
  account: string | undefined;
  /** @unit unix milliseconds */
  expiresAtMs: number;
}

export class State {
  readonly accounts = new Map<string, Account>();
  readonly sessions = new Map<string, Session>();
  readonly reports = new ErrorReports();
  constructor(
    /** What the endpoints are ingesting, shared by every account (see Intake). */
    readonly intake: Intake = newIntake(),
  ) {}

  /** Sessions created since the start (or reset). */
  sessionsCreated = 0;

  clear(): void {
    this.accounts.clear();
    this.sessions.clear();
    this.sessionsCreated = 0;
    this.reports.clear();
  }

  account(id: string | undefined): Account {
    const key = id ?? '';
    let account = this.accounts.get(key);
    if (account === undefined) this.accounts.set(key, (account = new Account(id, this.intake)));
    return account;
  }
}
