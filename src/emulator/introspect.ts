// What a test reads to prove "counted once": every stored event (each accepted event is kept, so a
// second copy shows), how many times an identifier was accepted, and counters of what was
// answered and which faults fired.
import type { RequestCounts } from './core.js';
import type { FaultKind } from './options.js';
import type { Series } from './series.js';
import { VIAS, type Via } from './series.js';
import type { Account, State } from './state.js';

/** An accepted event as the emulator stores it. */
export interface StoredEvent {
  /** The connected account (Stripe-Account) it was sent for; null for the platform account. */
  account: string | null;
  /** Its identifier; null for a stream event sent without one. */
  identifier: string | null;
  event_name: string;
  /** The meter it counts for. */
  meter: string;
  customer: string;
  value: number;
  /** @unit unix seconds (fractions kept) */
  timestamp: number;
  /** When the emulator received it, on its clock. @unit unix seconds (fractions kept) */
  received: number;
  /** The endpoint it came through. */
  via: Via;
  cancelled: boolean;
}

/** Which events to list; every field narrows the list. */
export interface EventFilter {
  /** A connected account, or null for the platform account. @default every account */
  account?: string | null;
  identifier?: string;
  event_name?: string;
  customer?: string;
  /** @default cancelled events included */
  cancelled?: boolean;
}

/** Counters since the emulator started (or was reset). */
export interface EmulatorStats {
  /** Requests answered per operation id (`unknown` for unknown URLs, `control` for /_emulator), by status (0: no answer sent). */
  requests: RequestCounts;
  /** Faults fired, per kind. */
  faults: Partial<Record<FaultKind, number>>;
  /** Events stored (each accepted event, counted or cancelled), and those cancelled. */
  events: { stored: number; cancelled: number };
  /** Sessions created for the stream. */
  sessions: number;
}

function accountsOf(state: State, account: string | null | undefined): Account[] {
  if (account === undefined) return [...state.accounts.values()];
  const found = state.accounts.get(account ?? '');
  return found === undefined ? [] : [found];
}

function eventAt(account: Account, series: Series, i: number, eventName: string): StoredEvent {
  return {
    account: account.id ?? null,
    identifier: series.identifier(i) ?? null,
    event_name: eventName,
    meter: series.meterId,
    customer: series.customer,
    value: series.value[i] as number,
    timestamp: series.ts[i] as number,
    received: series.received[i] as number,
    via: VIAS[series.via[i] as number] as Via,
    cancelled: series.cancelled[i] === 1,
  };
}

/** The stored events that match, in order of receipt per account. */
export function storedEvents(state: State, filter: EventFilter = {}): StoredEvent[] {
  const out: StoredEvent[] = [];
  for (const account of accountsOf(state, filter.account)) {
    const picked: Array<{ series: Series; i: number; name: string }> = [];
    // Events carry their identifier as an entry of the account's index: look it up once.
    const entry = filter.identifier === undefined ? 0 : account.identifiers.find(filter.identifier) + 1;
    if (filter.identifier !== undefined && entry === 0) continue;
    for (const series of account.series) {
      const name = account.meters.get(series.meterId)?.meter.event_name ?? '';
      if (filter.event_name !== undefined && name !== filter.event_name) continue;
      if (filter.customer !== undefined && series.customer !== filter.customer) continue;
      for (let i = 0; i < series.length; i++) {
        if (entry !== 0 && series.entries[i] !== entry) continue;
        if (filter.cancelled !== undefined && (series.cancelled[i] === 1) !== filter.cancelled) continue;
        picked.push({ series, i, name });
      }
    }
    picked.sort((a, b) => (a.series.received[a.i] as number) - (b.series.received[b.i] as number));
    for (const { series, i, name } of picked) out.push(eventAt(account, series, i, name));
  }
  return out;
}

/** How many stored events carry `identifier` (cancelled ones included). */
export function countAccepted(state: State, identifier: string, account?: string | null): number {
  let n = 0;
  for (const acc of accountsOf(state, account)) {
    const entry = acc.identifiers.find(identifier) + 1;
    if (entry === 0) continue;
    for (const series of acc.series) {
      const entries = series.entries;
      for (let i = 0; i < series.length; i++) if (entries[i] === entry) n++;
    }
  }
  return n;
}

export function eventTotals(state: State): { stored: number; cancelled: number } {
  let stored = 0;
  let cancelled = 0;
  for (const account of state.accounts.values()) {
    for (const series of account.series) {
      stored += series.length;
      for (let i = 0; i < series.length; i++) cancelled += series.cancelled[i] as number;
    }
  }
  return { stored, cancelled };
}

/** Counts an answer of `operation` with `status`. */
export function count(counts: RequestCounts, operation: string, status: number): void {
  let entry = counts[operation];
  if (entry === undefined) counts[operation] = entry = { total: 0, byStatus: {} };
  entry.total++;
  entry.byStatus[status] = (entry.byStatus[status] ?? 0) + 1;
}
