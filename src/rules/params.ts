// Checks a value against a rule from generated/rules.ts (what the spec states: types, required
// fields, enums, lengths, ranges) and names the first parameter at fault; every string must also
// be well-formed Unicode. The client runs it on params before sending (JS values); the emulator
// runs it on decoded request bodies (form values arrive as strings), refusing unknown parameters
// as Stripe does; the command line runs it on each row's event.
import type { ObjectRule, Rule } from '../../generated/rules.js';
import { loneSurrogateAt, wellFormedProblem } from './strings.js';

export interface Problem {
  /** The parameter at fault, in Stripe's bracket notation: `customer_mapping[type]`, `events[3][payload]`. */
  param: string;
  message: string;
  kind: 'missing' | 'unknown' | 'type' | 'enum' | 'length' | 'range' | 'items' | 'unicode';
}

export interface CheckMode {
  /** Values came from a form body or a query string: numbers and booleans are strings. */
  form?: boolean;
  /** Refuse keys the rule does not list (Stripe does; the client leaves that to Stripe). */
  refuseUnknown?: boolean;
}

const join = (where: string, key: string | number) => (where === '' ? String(key) : `${where}[${key}]`);

/** A value as an error message shows it ("got ..."): short strings quoted, numbers, or its kind. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

const INTEGER = /^-?\d+$/;
const NUMBER = /^-?(\d+\.?\d*|\.\d+)$/;

function numberOf(value: unknown, form: boolean): number | undefined {
  if (typeof value === 'number') return value;
  if (form && typeof value === 'string' && NUMBER.test(value)) return Number(value);
  return undefined;
}

// A module function, not a closure made on every call: findProblem runs on every field of every event.
const problemAt = (where: string, kind: Problem['kind'], message: string): Problem => ({ param: where, kind, message: `${where} ${message}` });

/** The first problem of `value` against `rule`, or undefined when it satisfies it. */
export function findProblem(rule: Rule, value: unknown, where: string, mode: CheckMode = {}): Problem | undefined {
  const form = mode.form === true;
  if (value === null || (form && value === '' && rule.type !== 'string')) {
    return rule.nullable === true ? undefined : problemAt(where, 'type', `must be ${expected(rule)}, got ${describeValue(value)}`);
  }
  switch (rule.type) {
    case 'string':
      if (typeof value !== 'string') return problemAt(where, 'type', `must be a string, got ${describeValue(value)}`);
      if (rule.enum !== undefined && !rule.enum.includes(value)) return problemAt(where, 'enum', `must be one of ${rule.enum.map((e) => `"${e}"`).join(', ')}, got ${describeValue(value)}`);
      if (rule.maxLength !== undefined && value.length > rule.maxLength) return problemAt(where, 'length', `must be at most ${rule.maxLength} characters, got ${value.length}`);
      return unicodeProblem(value, where);
    case 'integer':
    case 'number': {
      if (value instanceof Date && rule.format === 'unix-time') return undefined;
      const n = numberOf(value, form);
      const whole = rule.type === 'integer';
      if (n === undefined || !Number.isFinite(n) || (whole && !(Number.isSafeInteger(n) && (typeof value === 'number' || INTEGER.test(value as string))))) {
        return problemAt(where, 'type', `must be ${expected(rule)}, got ${describeValue(value)}`);
      }
      if (rule.minimum !== undefined && n < rule.minimum) return problemAt(where, 'range', `must be at least ${rule.minimum}, got ${n}`);
      if (rule.maximum !== undefined && n > rule.maximum) return problemAt(where, 'range', `must be at most ${rule.maximum}, got ${n}`);
      return undefined;
    }
    case 'boolean':
      if (typeof value === 'boolean' || (form && (value === 'true' || value === 'false'))) return undefined;
      return problemAt(where, 'type', `must be true or false, got ${describeValue(value)}`);
    case 'array': {
      if (!Array.isArray(value)) return problemAt(where, 'type', `must be an array, got ${describeValue(value)}`);
      if (rule.minItems !== undefined && value.length < rule.minItems) return problemAt(where, 'items', `must hold at least ${rule.minItems} item${rule.minItems === 1 ? '' : 's'}, got ${value.length}`);
      if (rule.maxItems !== undefined && value.length > rule.maxItems) return problemAt(where, 'items', `must hold at most ${rule.maxItems} items, got ${value.length}`);
      for (let i = 0; i < value.length; i++) {
        const found = findProblem(rule.items, value[i], join(where, i), mode);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    case 'object':
      return findObjectProblem(rule, value, where, mode);
  }
}

/** Like findProblem, for an object rule (the params of an operation). */
export function findObjectProblem(rule: ObjectRule, value: unknown, where: string, mode: CheckMode = {}): Problem | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date) {
    const name = where === '' ? 'params' : where;
    return { param: name, kind: 'type', message: `${name} must be an object, got ${describeValue(value)}` };
  }
  const record = value as Record<string, unknown>;
  for (const key of rule.required) {
    if (record[key] === undefined || !Object.hasOwn(record, key)) {
      const param = join(where, key);
      return { param, kind: 'missing', message: `${param} is required` };
    }
  }
  for (const key of Object.keys(record)) {
    const child = record[key];
    if (child === undefined) continue;
    // Built only when the key is not well-formed: this runs for every key of every event.
    if (loneSurrogateAt(key) >= 0) return unicodeProblem(key, join(where, key), `the key of ${join(where, key)}`);
    const known = Object.hasOwn(rule.properties, key) ? rule.properties[key] : undefined;
    const childRule = known ?? (typeof rule.additionalProperties === 'object' ? rule.additionalProperties : undefined);
    if (childRule === undefined) {
      if (rule.additionalProperties === false && mode.refuseUnknown === true) {
        const param = join(where, key);
        return { param, kind: 'unknown', message: `Received unknown parameter: ${param}` };
      }
      continue;
    }
    const found = findProblem(childRule, child, join(where, key), mode);
    if (found !== undefined) return found;
  }
  return undefined;
}

function unicodeProblem(text: string, param: string, what?: string): Problem | undefined {
  const found = wellFormedProblem(text, param, what);
  return found === undefined ? undefined : { param, kind: 'unicode', message: found.message };
}

function expected(rule: Rule): string {
  switch (rule.type) {
    case 'integer':
      return rule.format === 'unix-time' ? 'a unix timestamp in whole seconds' : 'an integer';
    case 'number':
      return 'a number';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'an array';
    case 'object':
      return 'an object';
  }
}
