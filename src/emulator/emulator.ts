// createEmulator(): a stateful, in-memory Billing Meters backend. In process it is a fetch (give it
// to any client as its fetch); any adapter can call answer(); server.node.ts serves it over HTTP.
import { Clock, type EmulatorClock } from './clock.js';
import type { Settings } from './context.js';
import { control } from './control.js';
import { createCore, type EmulatorAnswer, type EmulatorRequest, type RequestCounts } from './core.js';
import type { MeterErrorReport } from './error-reports.js';
import { checkFaultRules, Faults, RateLimiter } from './faults.js';
import { fetchAdapter } from './fetch-adapter.js';
import { countAccepted, eventTotals, storedEvents, type EmulatorStats, type EventFilter, type StoredEvent } from './introspect.js';
import type { EmulatorOptions, FaultRule } from './options.js';
import { Feed, type FeedItem } from './feed.js';
import { exportState, importState, transplant, type EmulatorState } from './persist.js';
import { RequestLog, type RequestListener, type RequestRecord } from './request-log.js';
import { State, type MeterObject } from './state.js';
import { usage, type Usage, type UsageQuery } from './usage.js';
import { checkDestinations, ThinEvents, type ThinEvent, type ThinEventDelivery } from './thin-events.js';
import { coreEvents } from './core-events.js';

/** A local Billing Meters emulator. */
export interface Emulator {
  /**
   * A fetch that the emulator answers, whatever the URL's host (the API and the meter-events
   * host alike): `new StripeMeters('sk_test_123', { fetch: emulator.fetch })`. An injected reset
   * rejects with a TypeError, as a runtime's fetch does when the connection drops; every injected
   * wait honours the request's AbortSignal.
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Answers a Request (for `Deno.serve`, workers, service workers, ...). */
  handle(request: Request): Promise<Response>;
  /** Answers a request synchronously: the entry point for HTTP adapters (they carry out `answer.delivery`). */
  answer(request: EmulatorRequest): EmulatorAnswer;
  /** The emulator's clock; every time rule runs on it. */
  readonly clock: EmulatorClock;
  /** Forgets everything (meters, events, sessions, idempotency keys, reports, the request log and counters) and restarts the clock and the faults as configured. */
  reset(): void;
  /** The asynchronous error reports: events that were accepted but failed validation, batched per meter per minute. */
  errorReports(): MeterErrorReport[];
  /** Replaces the fault rules in force (and restarts their seeded draws and attempt counts). */
  setFaults(rules: readonly FaultRule[]): void;
  /**
   * Expires v2 meter event session tokens now: the one given, or every one. The next stream
   * request with an expired token is answered 401 `temporary_session_expired`.
   * @returns how many tokens were expired
   */
  expireSessions(token?: string): number;
  /** Every stored event that matches (each accepted event is kept, so a second copy shows). */
  events(filter?: EventFilter): StoredEvent[];
  /**
   * How many stored events carry `identifier` (cancelled ones included): 1 for an event counted
   * once. @param account a connected account, null for the platform account; every account when omitted
   */
  countAccepted(identifier: string, account?: string | null): number;
  /** The request log, oldest first (at most `requestLog.size` records). */
  requests(): RequestRecord[];
  /** Calls `listener` with every request once it is answered; returns the unsubscribe function. */
  onRequest(listener: RequestListener): () => void;
  /** Counters of requests per operation and status, faults fired, events stored and sessions created. */
  stats(): EmulatorStats;
  /** The thin events emitted so far (reports whose window has closed), as GET /v2/core/events/{id} answers them; oldest first. */
  thinEvents(): ThinEvent[];
  /**
   * Emits the thin events of every report whose window has closed and posts every pending
   * delivery now (retries included, without waiting for their delay).
   * @returns the deliveries so far
   */
  deliverThinEvents(): Promise<ThinEventDelivery[]>;
  /** Emits thin events whose window has closed and posts the deliveries that are due; serveEmulator calls it every second. */
  tick(): Promise<void>;
  /** The latest live-feed items (what became of each meter event), oldest first. */
  feed(): FeedItem[];
  /** Calls `listener` with the feed items of each request; returns the unsubscribe function. */
  onFeed(listener: (items: FeedItem[]) => void): () => void;
  /** Everything the emulator holds, as a JSON-able document (meters, events, idempotent answers, sessions, reports, thin events, the clock). */
  exportState(): EmulatorState;
  /** Replaces everything with an exported state; throws a TypeError naming what is wrong, and then changes nothing. */
  importState(state: unknown): void;
  /** One meter's usage per customer, by hour or day, computed as event summaries are; a string says what is wrong with the query. */
  usage(query: UsageQuery): Usage | string;
  /** The accounts and their meters, for the dashboard. */
  overview(): Overview;
}

/** The accounts and their meters. */
export interface Overview {
  /** @unit unix seconds */
  now: number;
  accounts: Array<{ id: string | null; meters: MeterObject[] }>;
}

function positive(options: EmulatorOptions, name: 'sessionLifetimeSeconds' | 'identifierWindowSeconds' | 'summaryLagSeconds' | 'rateLimitPerSecond', fallback: number, allowZero: boolean): number {
  const value = options[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} finite number, got ${String(value)}`);
  }
  return value;
}

function settingsOf(options: EmulatorOptions): Settings {
  const oneOf = <T extends string>(name: string, value: T | undefined, allowed: readonly T[], fallback: T): T => {
    if (value === undefined) return fallback;
    if (!allowed.includes(value)) throw new RangeError(`${name} must be one of ${allowed.join(', ')}, got ${String(value)}`);
    return value;
  };
  return {
    sessionLifetimeSeconds: positive(options, 'sessionLifetimeSeconds', 900, false),
    identifierWindowSeconds: positive(options, 'identifierWindowSeconds', 86_400, false),
    values: oneOf('values', options.values, ['decimal', 'integer'], 'decimal'),
    customerExists: options.customerExists,
    aggregation: {
      last: oneOf('last', options.last, ['timestamp', 'received'], 'timestamp'),
      emptyBuckets: options.emptyBuckets === true,
      lagSeconds: positive(options, 'summaryLagSeconds', 0, true),
    },
    strictAdjustments: options.strictAdjustments === true,
    onWarning: options.onWarning ?? ((message) => console.warn(message)),
  };
}

function requestLogOf(options: EmulatorOptions): RequestLog {
  const { size = 1000, bodies = false } = options.requestLog ?? {};
  if (!Number.isInteger(size) || size < 0 || size > 1_000_000) throw new RangeError(`requestLog.size must be a whole number from 0 to 1000000, got ${String(size)}`);
  return new RequestLog(size, bodies === true, options.onRequest);
}

/** Creates an emulator; see EmulatorOptions for what can be changed. */
export function createEmulator(options: EmulatorOptions = {}): Emulator {
  const settings = settingsOf(options);
  const initialFaults = checkFaultRules(options.faults ?? []);
  const seed = options.faultSeed ?? 1;
  if (!Number.isInteger(seed)) throw new RangeError(`faultSeed must be an integer, got ${String(seed)}`);
  const clock = new Clock(options.clock);
  const state = new State();
  const faults = new Faults(initialFaults, seed);
  const limiter = options.rateLimitPerSecond === undefined ? undefined : new RateLimiter(positive(options, 'rateLimitPerSecond', 0, false));
  const log = requestLogOf(options);
  const counts: RequestCounts = {};
  const feedSize = options.feedSize ?? 50;
  if (!Number.isInteger(feedSize) || feedSize < 0 || feedSize > 100_000) throw new RangeError(`feedSize must be a whole number from 0 to 100000, got ${String(feedSize)}`);
  const feed = new Feed(feedSize, state);
  const thin = new ThinEvents(checkDestinations(options.webhooks ?? []), options.webhookFetch ?? ((input, init) => globalThis.fetch(input, init)));
  state.reports.onAdd = (failed, report) => {
    feed.failed(failed);
    thin.watch(report);
  };
  const emitClosed = () => {
    if (thin.collect(clock.nowMs()) && thin.destinations.length > 0) void thin.deliver();
  };

  const expireSessions = (token?: string): number => {
    const now = clock.nowMs();
    let n = 0;
    for (const [t, session] of state.sessions) {
      if ((token === undefined || t === token) && session.expiresAtMs > now) {
        session.expiresAtMs = now;
        n++;
      }
    }
    return n;
  };

  const reset = () => {
    state.clear();
    clock.restart();
    faults.set(initialFaults);
    faults.fired.clear();
    log.clear();
    feed.clear();
    thin.clear();
    for (const operation of Object.keys(counts)) delete counts[operation];
  };
  const answer = (request: EmulatorRequest) => core(request);
  const { fetch, handle } = fetchAdapter(answer, () => log.wantsRaw);
  const emulator: Emulator = {
    fetch,
    handle,
    answer,
    clock,
    reset,
    errorReports: () => state.reports.list(),
    setFaults: (rules) => faults.set(rules),
    expireSessions,
    events: (filter) => storedEvents(state, filter),
    countAccepted: (identifier, account) => countAccepted(state, identifier, account),
    requests: () => log.list(),
    onRequest: (listener) => log.subscribe(listener),
    stats: () => ({ requests: structuredClone(counts), faults: Object.fromEntries(faults.fired), events: eventTotals(state), sessions: state.sessionsCreated }),
    thinEvents: () => {
      emitClosed();
      return thin.list();
    },
    deliverThinEvents: async () => {
      thin.collect(clock.nowMs());
      await thin.deliver(true);
      return thin.deliveries();
    },
    tick: async () => {
      emitClosed();
      const due = thin.nextDue();
      if (due !== undefined && due <= Date.now()) await thin.deliver();
    },
    feed: () => feed.list(),
    onFeed: (listener) => feed.subscribe(listener),
    exportState: () => exportState(state, clock.snapshot(), thin.snapshot()),
    usage: (query) => usage(state, settings, clock.nowMs() / 1000, query),
    overview: () => ({
      now: clock.now(),
      accounts: [...state.accounts.values()].map((account) => ({ id: account.id ?? null, meters: account.ordered.map((record) => structuredClone(record.meter)) })),
    }),
    importState: (doc) => {
      const watching = state.intake.watching;
      state.intake.watching = false;
      try {
        const imported = importState(doc, state.intake);
        transplant(state, imported.state);
        clock.restore(imported.clock);
        thin.restore(imported.thinEvents, state.reports.entries().map(([, report]) => report));
        feed.clear();
      } finally {
        state.intake.watching = watching;
      }
    },
  };
  const controls = {
    clock,
    reset,
    errorReports: emulator.errorReports,
    setFaults: emulator.setFaults,
    faults: () => faults.rules,
    expireSessions,
    requests: emulator.requests,
    events: emulator.events,
    stats: emulator.stats,
    thinEvents: emulator.thinEvents,
    deliverThinEvents: emulator.deliverThinEvents,
    feed: emulator.feed,
    exportState: emulator.exportState,
    importState: emulator.importState,
    usage: emulator.usage,
    overview: emulator.overview,
  };
  const core = createCore({
    state,
    clock,
    faults,
    limiter,
    settings,
    log,
    feed,
    counts,
    coreEvents: (pathname, query, account) => coreEvents(thin, emitClosed, pathname, query, account),
    after: emitClosed,
    control: (m, p, q, b) => control(controls, m, p, q, b),
  });
  return emulator;
}
