// Fault injection (off unless asked for): per rule a path, a method, a kind, a rate drawn from a
// seeded generator (so a run is reproducible) and a number of times. And an optional rate limit
// per account, counted per second of the host clock.
import type { FaultRule } from './options.js';

const KINDS = new Set<FaultRule['fault']>(['rate_limit', 'server_error', 'conflict', 'reset', 'reset_after']);

/** mulberry32: small, fast, good enough to draw fault rates. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Throws a TypeError naming what is wrong with a rule. */
export function checkFaultRules(rules: unknown): readonly FaultRule[] {
  if (!Array.isArray(rules)) throw new TypeError('faults must be an array of fault rules');
  rules.forEach((rule: Partial<FaultRule> | null, i) => {
    const at = `faults[${i}]`;
    if (typeof rule !== 'object' || rule === null) throw new TypeError(`${at} must be an object`);
    if (rule.fault === undefined || !KINDS.has(rule.fault)) throw new TypeError(`${at}.fault must be one of ${[...KINDS].join(', ')}`);
    if (rule.path !== undefined && typeof rule.path !== 'string') throw new TypeError(`${at}.path must be a string`);
    if (rule.method !== undefined && rule.method !== 'GET' && rule.method !== 'POST') throw new TypeError(`${at}.method must be GET or POST`);
    if (rule.rate !== undefined && !(typeof rule.rate === 'number' && rule.rate >= 0 && rule.rate <= 1)) throw new TypeError(`${at}.rate must be a number from 0 to 1`);
    if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times >= 0)) throw new TypeError(`${at}.times must be a whole number, 0 or more`);
    if (rule.retryAfterSeconds !== undefined && !(Number.isInteger(rule.retryAfterSeconds) && rule.retryAfterSeconds >= 0)) {
      throw new TypeError(`${at}.retryAfterSeconds must be a whole number of seconds, 0 or more`);
    }
  });
  return rules as FaultRule[];
}

export interface Target {
  method: string;
  pathname: string;
  template: string;
  operationId: string;
}

export class Faults {
  #rules: Array<{ rule: FaultRule; used: number }> = [];
  #random: () => number;

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
  }

  get rules(): FaultRule[] {
    return this.#rules.map(({ rule }) => ({ ...rule }));
  }

  /** The fault for this request, if one fires. */
  pick(target: Target): FaultRule | undefined {
    for (const entry of this.#rules) {
      const { rule } = entry;
      if (rule.method !== undefined && rule.method !== target.method) continue;
      if (rule.path !== undefined && rule.path !== target.pathname && rule.path !== target.template && rule.path !== target.operationId) continue;
      if (rule.times !== undefined && entry.used >= rule.times) continue;
      if (this.#random() >= (rule.rate ?? 1)) continue;
      entry.used++;
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
