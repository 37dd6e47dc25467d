// Fault injection (off unless asked for): per rule a path, a method, a kind, a rate drawn from a
// seeded generator (so a run is reproducible) and a number of times. And an optional rate limit
// per account, counted per second of the host clock.
import type { FaultKind, FaultRequest, FaultRule } from './options.js';

const KINDS: readonly FaultKind[] = [
  'slow', 'hang', 'hang_after', 'cut_body', 'stall_body', 'not_json', 'reset', 'reset_after',
  'conflict', 'rate_limit', 'server_error', 'redirect', 'error', 'session_expired',
];
const KNOWN_FIELDS = new Set([
  'path', 'method', 'fault', 'rate', 'times', 'attempt', 'when', 'retryAfterSeconds', 'status',
  'code', 'type', 'message', 'delayMs', 'location', 'shouldRetry',
]);

/** mulberry32: small, fast, good enough to draw fault rates (the fault tests draw theirs from it too). */
export function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const whole = (value: unknown, min: number, max = Number.MAX_SAFE_INTEGER) => Number.isInteger(value) && (value as number) >= min && (value as number) <= max;

function checkRule(rule: Partial<FaultRule> | null, at: string): void {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) throw new TypeError(`${at} must be an object`);
  const unknown = Object.keys(rule).find((key) => !KNOWN_FIELDS.has(key));
  if (unknown !== undefined) throw new TypeError(`${at}.${unknown} is not a fault rule field`);
  const { fault } = rule;
  if (fault === undefined || !KINDS.includes(fault)) throw new TypeError(`${at}.fault must be one of ${KINDS.join(', ')}`);
  if (rule.path !== undefined && typeof rule.path !== 'string') throw new TypeError(`${at}.path must be a string`);
  if (rule.method !== undefined && rule.method !== 'GET' && rule.method !== 'POST') throw new TypeError(`${at}.method must be GET or POST`);
  if (rule.rate !== undefined && !(typeof rule.rate === 'number' && rule.rate >= 0 && rule.rate <= 1)) throw new TypeError(`${at}.rate must be a number from 0 to 1`);
  if (rule.times !== undefined && !whole(rule.times, 0)) throw new TypeError(`${at}.times must be a whole number, 0 or more`);
  if (rule.attempt !== undefined && !whole(rule.attempt, 1)) throw new TypeError(`${at}.attempt must be a whole number, 1 or more`);
  if (rule.when !== undefined && typeof rule.when !== 'function') throw new TypeError(`${at}.when must be a function`);
  if (rule.retryAfterSeconds !== undefined && !whole(rule.retryAfterSeconds, 0)) throw new TypeError(`${at}.retryAfterSeconds must be a whole number of seconds, 0 or more`);
  if (rule.delayMs !== undefined && !(typeof rule.delayMs === 'number' && Number.isFinite(rule.delayMs) && rule.delayMs >= 0 && rule.delayMs <= 2_147_483_647)) {
    throw new TypeError(`${at}.delayMs must be a number of milliseconds from 0 to 2147483647`);
  }
  if (rule.shouldRetry !== undefined && typeof rule.shouldRetry !== 'boolean') throw new TypeError(`${at}.shouldRetry must be true or false`);
  for (const field of ['code', 'type', 'message', 'location'] as const) {
    const value = rule[field];
    if (value !== undefined && (typeof value !== 'string' || value === '' || value.length > 1000 || /[\r\n]/.test(value))) {
      throw new TypeError(`${at}.${field} must be a non-empty string of at most 1000 characters on one line`);
    }
  }
  const { status } = rule;
  if (fault === 'error' && status === undefined) throw new TypeError(`${at}.status is required for an error fault (400-599)`);
  if (status !== undefined) {
    const range: Partial<Record<FaultKind, [number, number]>> = { server_error: [500, 599], error: [400, 599], not_json: [200, 599], cut_body: [400, 599], stall_body: [400, 599] };
    const allowed = range[fault];
    if (allowed === undefined) throw new TypeError(`${at}.status is not used by a ${fault} fault`);
    if (!whole(status, allowed[0], allowed[1])) throw new TypeError(`${at}.status must be a whole number from ${allowed[0]} to ${allowed[1]} for a ${fault} fault`);
  }
}

/** Throws a TypeError naming what is wrong with a rule. */
export function checkFaultRules(rules: unknown): readonly FaultRule[] {
  if (!Array.isArray(rules)) throw new TypeError('faults must be an array of fault rules');
  if (rules.length > 1000) throw new TypeError('faults must hold at most 1000 rules');
  rules.forEach((rule: Partial<FaultRule> | null, i) => checkRule(rule, `faults[${i}]`));
  return rules as FaultRule[];
}

export interface Target {
  method: string;
  pathname: string;
  template: string;
  operationId: string;
  idempotencyKey: string | undefined;
}

export class Faults {
  #rules: Array<{ rule: FaultRule; used: number }> = [];
  #random: () => number;
  #attempts = new Map<string, number>();
  #n = 0;
  #countAttempts = false;
  /** How many times each kind fired since the emulator started (or was reset). */
  readonly fired = new Map<FaultKind, number>();

  constructor(
    rules: readonly FaultRule[],
    private readonly seed: number,
  ) {
    this.#random = generator(seed);
    this.set(rules);
  }

  set(rules: readonly FaultRule[]): void {
    this.#rules = checkFaultRules(rules).map((rule) => ({ rule: { ...rule }, used: 0 }));
    this.#random = generator(this.seed);
    this.#attempts = new Map();
    this.#n = 0;
    this.#countAttempts = this.#rules.some(({ rule }) => rule.attempt !== undefined || rule.when !== undefined);
  }

  get rules(): FaultRule[] {
    return this.#rules.map(({ rule }) => ({ ...rule }));
  }

  get any(): boolean {
    return this.#rules.length > 0;
  }

  /** The fault for this request, if one fires. */
  pick(target: Target): FaultRule | undefined {
    if (this.#rules.length === 0) return undefined;
    const n = ++this.#n;
    let attempt = 1;
    const key = target.idempotencyKey;
    if (this.#countAttempts && key !== undefined) {
      attempt = (this.#attempts.get(key) ?? 0) + 1;
      this.#attempts.set(key, attempt);
    }
    let request: FaultRequest | undefined;
    for (const entry of this.#rules) {
      const { rule } = entry;
      if (rule.method !== undefined && rule.method !== target.method) continue;
      if (rule.path !== undefined && rule.path !== target.pathname && rule.path !== target.template && rule.path !== target.operationId) continue;
      if (rule.times !== undefined && entry.used >= rule.times) continue;
      if (rule.attempt !== undefined && rule.attempt !== attempt) continue;
      if (rule.when !== undefined) {
        request ??= { method: target.method, path: target.pathname, operationId: target.operationId, idempotencyKey: key, attempt, n };
        if (!rule.when(request)) continue;
      }
      if (this.#random() >= (rule.rate ?? 1)) continue;
      entry.used++;
      this.fired.set(rule.fault, (this.fired.get(rule.fault) ?? 0) + 1);
      return rule;
    }
    return undefined;
  }
}

/** Requests per second per account, in fixed one-second windows of the host clock. */
export class RateLimiter {
  #second = 0;
  readonly #counts = new Map<string, number>();

  constructor(
    private readonly perSecond: number,
    // Read through Date each time, so fake timers installed later still drive it.
    private readonly host: () => number = () => Date.now(),
  ) {}

  /** Counts a request; false when it is over the limit. */
  admit(account: string | undefined): boolean {
    const second = Math.floor(this.host() / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#counts.clear();
    }
    const key = account ?? '';
    const count = (this.#counts.get(key) ?? 0) + 1;
    this.#counts.set(key, count);
    return count <= this.perSecond;
  }
}
