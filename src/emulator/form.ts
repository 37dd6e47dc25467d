// Stripe's v1 form encoding, read back: `a[b]=c` nests, `a[0]=x` and `a[]=x` index, an empty value
// means "unset". Keys are decoded into plain objects first; only where the operation's rule says
// "array" do numbered keys become an array, so a payload key named "0" stays a key.
import type { Rule } from '../../generated/rules.js';

export type FormValue = string | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

// Objects that inherit nothing (a key named `__proto__` or `constructor` is just a key), made by a
// constructor whose prototype is null-prototype: unlike Object.create(null), which makes
// dictionary-mode objects, these keep V8's fast properties (decoding three times faster).
const Blank = function Blank() {} as unknown as new () => FormObject;
Blank.prototype = Object.create(null) as FormObject;
const blank = (): FormObject => new Blank();

function decode(part: string): string {
  // Most keys and values need no decoding: skip the regex and decodeURIComponent for them.
  if (part.indexOf('%') < 0 && part.indexOf('+') < 0) return part;
  const text = part.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The path of a form key: `a[b][0]` -> ['a', 'b', '0']; `a[]` -> ['a', '']. */
function keyPath(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0 || key.charCodeAt(key.length - 1) !== 93 /* ] */) return [key];
  const inner = key.slice(open + 1, -1);
  // One level (`payload[value]`), the common case, without split().
  if (inner.indexOf('][') < 0) return [key.slice(0, open), inner];
  const path = inner.split('][');
  path.unshift(key.slice(0, open));
  return path;
}

/** Sets `value` at the path of a bracketed key (`a[b][0]`, `a[]`), creating objects on the way. */
function assign(root: FormObject, key: string, value: string, appended: Map<FormObject, number>): void {
  const path = keyPath(key);
  let node = root;
  for (let i = 0; i < path.length; i++) {
    let segment = path[i] as string;
    if (segment === '' && i > 0) {
      // `a[]=x` appends: the next index of each object, counted here rather than by counting
      // its keys (which made a body of many `a[]` keys quadratic).
      let next = appended.get(node);
      if (next === undefined) next = Object.keys(node).length;
      while (Object.hasOwn(node, String(next))) next++;
      appended.set(node, next + 1);
      segment = String(next);
    }
    if (i === path.length - 1) {
      node[segment] = value;
      return;
    }
    const next = node[segment];
    if (typeof next === 'object') node = next;
    else node = node[segment] = blank();
  }
}

/** Decodes a form body or query string into nested objects of strings, in time linear in its length. */
export function decodeForm(text: string): FormObject {
  const root = blank();
  const appended = new Map<FormObject, number>();
  const end = text.length;
  let start = 0;
  while (start < end) {
    let amp = text.indexOf('&', start);
    if (amp < 0) amp = end;
    if (amp > start) {
      const pair = text.slice(start, amp);
      const eq = pair.indexOf('=');
      const key = decode(eq < 0 ? pair : pair.slice(0, eq));
      const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
      const open = key.indexOf('[');
      if (open <= 0 || key.charCodeAt(key.length - 1) !== 93 /* ] */) root[key] = value;
      else assign(root, key, value, appended);
    }
    start = amp + 1;
  }
  return root;
}

/**
 * Shapes decoded form values by the operation's rule: numbered keys become arrays where an array
 * is expected, numeric strings become numbers where a number is expected. Run after validation
 * for the numbers (which checks the strings), and before it for the arrays.
 */
export function shapeByRule(rule: Rule, value: unknown, numbers: boolean): unknown {
  if (value === null || value === undefined) return value;
  switch (rule.type) {
    case 'array': {
      const items = Array.isArray(value) ? value : asIndexed(value);
      return items === undefined ? value : items.map((item) => shapeByRule(rule.items, item, numbers));
    }
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return value;
      // Shaped in place: the decoded objects belong to this request alone.
      const record = value as Record<string, unknown>;
      const extra = typeof rule.additionalProperties === 'object' ? rule.additionalProperties : undefined;
      for (const key in record) {
        const childRule = Object.hasOwn(rule.properties, key) ? rule.properties[key] : extra;
        if (childRule !== undefined && childRule.type !== 'string') record[key] = shapeByRule(childRule, record[key], numbers);
      }
      return record;
    }
    case 'integer':
    case 'number':
      return numbers && typeof value === 'string' && value !== '' ? Number(value) : value;
    case 'boolean':
      return numbers && (value === 'true' || value === 'false') ? value === 'true' : value;
    case 'string':
      return value;
  }
}

/** An object with keys 0..n-1 as an array; undefined when it is anything else. */
function asIndexed(value: unknown): unknown[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const keys = Object.keys(value);
  const record = value as Record<string, unknown>;
  const items: unknown[] = [];
  for (let i = 0; i < keys.length; i++) {
    if (!Object.hasOwn(record, String(i))) return undefined;
    items.push(record[String(i)]);
  }
  return items;
}

/**
 * The first known parameter sent empty. An empty form value asks Stripe to unset a field; none of
 * these operations has a field that can be unset, so Stripe refuses it, naming the parameter.
 */
export function findEmpty(rule: Rule, value: unknown, where: string): string | undefined {
  if (value === '') return rule.nullable === true ? undefined : where;
  if (rule.type !== 'object' || typeof value !== 'object' || value === null) {
    if (rule.type === 'array' && Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const found = findEmpty(rule.items, value[i], `${where}[${i}]`);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    // Payload values are free-form strings: an empty one is a value, not an unset.
    if (!Object.hasOwn(rule.properties, key)) continue;
    const child = record[key];
    // Only an empty string or an object can hold one; the parameter's name is built only then.
    if (child !== '' && typeof child !== 'object') continue;
    const found = findEmpty(rule.properties[key] as Rule, child, where === '' ? key : `${where}[${key}]`);
    if (found !== undefined) return found;
  }
  return undefined;
}
