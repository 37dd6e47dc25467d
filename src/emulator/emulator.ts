// createEmulator(): a stateful, in-memory Billing Meters backend. In process it is a fetch (give it
// to any client as its fetch); any adapter can call answer(); server.node.ts serves it over HTTP.
import { Clock, type EmulatorClock } from './clock.js';
import type { Settings } from './context.js';
import { control } from './control.js';
import { createCore, type EmulatorAnswer, type EmulatorRequest } from './core.js';
import type { MeterErrorReport } from './error-reports.js';
import { checkFaultRules, Faults, RateLimiter } from './faults.js';
import type { EmulatorOptions, FaultRule } from './options.js';
import { State } from './state.js';

/** A local Billing Meters emulator. */
export interface Emulator {
  /**
   * A fetch that the emulator answers, whatever the URL's host (the API and the meter-events
   * host alike): `new StripeMeters('sk_test_123', { fetch: emulator.fetch })`. An injected reset
   * rejects with a TypeError, as a runtime's fetch does when the connection drops.
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Answers a Request (for `Deno.serve`, workers, service workers, ...). */
  handle(request: Request): Promise<Response>;
  /** Answers a request synchronously: the entry point for HTTP adapters. */
  answer(request: EmulatorRequest): EmulatorAnswer;
  /** The emulator's clock; every time rule runs on it. */
  readonly clock: EmulatorClock;
  /** Forgets everything (meters, events, sessions, idempotency keys, reports) and restarts the clock and the faults as configured. */
  reset(): void;
  /** The asynchronous error reports: events that were accepted but failed validation, batched per meter per minute. */
  errorReports(): MeterErrorReport[];
  /** Replaces the fault rules in force. */
  setFaults(rules: readonly FaultRule[]): void;
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

async function bodyText(body: BodyInit | null | undefined): Promise<string> {
  if (body === undefined || body === null) return '';
  return typeof body === 'string' ? body : new Response(body).text();
}

function connectionReset(): TypeError {
  const cause = Object.assign(new Error('socket hang up (a connection reset injected by the stripe-meters emulator)'), { code: 'ECONNRESET' });
  return new TypeError('fetch failed', { cause });
}

function toResponse(answer: EmulatorAnswer): Response {
  if (answer.reset !== undefined) throw connectionReset();
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
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

  const emulator: Emulator = {
    fetch: async (input, init) => {
      if (typeof input !== 'string' && !(input instanceof URL)) return emulator.handle(init === undefined ? input : new Request(input, init));
      init?.signal?.throwIfAborted();
      const headers = init?.headers instanceof Headers ? init.headers : new Headers(init?.headers);
      const body = await bodyText(init?.body);
      return toResponse(answer({ method: init?.method ?? 'GET', url: String(input), header: (name) => headers.get(name) ?? undefined, body }));
    },
    handle: async (request) => {
      request.signal.throwIfAborted();
      const body = await request.text();
      return toResponse(answer({ method: request.method, url: request.url, header: (name) => request.headers.get(name) ?? undefined, body }));
    },
    answer: (request) => answer(request),
    clock,
    reset: () => {
      state.clear();
      clock.restart();
      faults.set(initialFaults);
    },
    errorReports: () => state.reports.list(),
    setFaults: (rules) => faults.set(rules),
  };
  const controls = { clock, reset: emulator.reset, errorReports: emulator.errorReports, setFaults: emulator.setFaults, faults: () => faults.rules };
  const answer = createCore({ state, clock, faults, limiter, settings, control: (m, p, b) => control(controls, m, p, b) });
  return emulator;
}
