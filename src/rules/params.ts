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
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

// What a value of each type is called in "must be ..., got ...".
const EXPECTED = { integer: 'an integer', number: 'a number', string: 'a string', boolean: 'true or false', array: 'an array', object: 'an object' } as const;

// Module functions, not closures made on every call: findProblem runs on every field of every event.
const problemAt = (param: string, kind: Problem['kind'], message: string): Problem => ({ param, kind, message: `${param} ${message}` });
const typeProblem = (rule: Rule, value: unknown, where: string): Problem =>
  problemAt(where, 'type', `must be ${'format' in rule && rule.format === 'unix-time' ? 'a unix timestamp in whole seconds' : EXPECTED[rule.type]}, got ${describeValue(value)}`);

/** The first problem of `value` against `rule`, or undefined when it satisfies it. */
export function findProblem(rule: Rule, value: unknown, where: string, mode: CheckMode = {}): Problem | undefined {
  const form = mode.form === true;
  if (value === null || (form && value === '' && rule.type !== 'string')) return rule.nullable === true ? undefined : typeProblem(rule, value, where);
  switch (rule.type) {
    case 'string':
      if (typeof value !== 'string') return typeProblem(rule, value, where);
      if (rule.enum !== undefined && !rule.enum.includes(value)) return problemAt(where, 'enum', `must be one of ${rule.enum.map((e) => `"${e}"`).join(', ')}, got ${describeValue(value)}`);
      if (rule.maxLength !== undefined && value.length > rule.maxLength) return problemAt(where, 'length', `must be at most ${rule.maxLength} characters, got ${value.length}`);
      return unicodeProblem(value, where);
    case 'integer':
    case 'number': {
      if (value instanceof Date && rule.format === 'unix-time') return undefined;
      // Form values are strings: a plain decimal (an integer's without a point) is read as a number.
      const n = typeof value === 'number' ? value : form && typeof value === 'string' && (rule.type === 'integer' ? /^-?\d+$/ : /^-?(\d+\.?\d*|\.\d+)$/).test(value) ? Number(value) : Number.NaN;
      if (!Number.isFinite(n) || (rule.type === 'integer' && !Number.isSafeInteger(n))) return typeProblem(rule, value, where);
      if (n < (rule.minimum ?? n)) return problemAt(where, 'range', `must be at least ${rule.minimum}, got ${n}`);
      if (n > (rule.maximum ?? n)) return problemAt(where, 'range', `must be at most ${rule.maximum}, got ${n}`);
      return undefined;
    }
    case 'boolean':
      return typeof value === 'boolean' || (form && (value === 'true' || value === 'false')) ? undefined : typeProblem(rule, value, where);
    case 'array': {
      if (!Array.isArray(value)) return typeProblem(rule, value, where);
      const { length } = value;
      if (length < (rule.minItems ?? 0)) return problemAt(where, 'items', `must hold at least ${rule.minItems} item${rule.minItems === 1 ? '' : 's'}, got ${length}`);
      if (length > (rule.maxItems ?? length)) return problemAt(where, 'items', `must hold at most ${rule.maxItems} items, got ${length}`);
      for (let i = 0; i < length; i++) {
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
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date) return typeProblem(rule, value, where || 'params');
  const record = value as Record<string, unknown>;
  for (const key of rule.required) {
    if (record[key] === undefined || !Object.hasOwn(record, key)) return problemAt(join(where, key), 'missing', 'is required');
  }
  const { properties, additionalProperties } = rule;
  for (const key of Object.keys(record)) {
    const child = record[key];
    if (child === undefined) continue;
    const param = join(where, key);
    if (loneSurrogateAt(key) >= 0) return unicodeProblem(key, param, `the key of ${param}`);
    const childRule = Object.hasOwn(properties, key) ? properties[key] : typeof additionalProperties === 'object' ? additionalProperties : undefined;
    if (childRule === undefined) {
      if (additionalProperties === false && mode.refuseUnknown === true) return { param, kind: 'unknown', message: `Received unknown parameter: ${param}` };
      continue;
    }
    const found = findProblem(childRule, child, param, mode);
    if (found !== undefined) return found;
  }
  return undefined;
}

function unicodeProblem(text: string, param: string, what?: string): Problem | undefined {
  const found = wellFormedProblem(text, param, what);
  return found === undefined ? undefined : { param, kind: 'unicode', message: found.message };
}
