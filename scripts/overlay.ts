// Applies an OpenAPI Overlay 1.0 the way @redocly/cli 2.77 does (update merges objects, replaces
// primitives, appends to arrays; remove deletes), for the JSONPath subset our overlay uses.
// Redocly skips an action whose target matches nothing without a word; we run the same actions
// here first so that such an action fails the build by name instead of silently dropping a fix.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Key = string | number;

export interface OverlayAction {
  target: string;
  description?: string;
  update?: Json;
  remove?: boolean;
}

export interface OverlayDocument {
  overlay: string;
  actions: OverlayAction[];
}

export class OverlayTargetError extends Error {
  override name = 'OverlayTargetError';
}

type Segment =
  | { kind: 'name'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'filter'; key: string; value: string };

const SEGMENT =
  /^(?:\.([A-Za-z_$][\w$-]*)|\.\*|\[\*\]|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]|\[\?\s*@\.([A-Za-z_$][\w$-]*)\s*==\s*'((?:[^'\\]|\\.)*)'\s*\])/;

export function parsePath(path: string): Segment[] {
  if (!path.startsWith('$')) throw new OverlayTargetError(`JSONPath must start with $: ${path}`);
  const segments: Segment[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    const m = SEGMENT.exec(rest);
    if (!m) throw new OverlayTargetError(`Unsupported JSONPath syntax at "${rest}" in ${path}`);
    const [all, dotName, index, single, double, filterKey, filterValue] = m;
    if (dotName !== undefined) segments.push({ kind: 'name', name: dotName });
    else if (index !== undefined) segments.push({ kind: 'index', index: Number(index) });
    else if (single !== undefined) segments.push({ kind: 'name', name: unescape(single) });
    else if (double !== undefined) segments.push({ kind: 'name', name: unescape(double) });
    else if (filterKey !== undefined && filterValue !== undefined)
      segments.push({ kind: 'filter', key: filterKey, value: unescape(filterValue) });
    else segments.push({ kind: 'wildcard' });
    rest = rest.slice(all.length);
  }
  return segments;
}

function unescape(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

function isObject(v: unknown): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function children(node: Json): Array<[Key, Json]> {
  if (Array.isArray(node)) return node.map((v, i) => [i, v]);
  if (isObject(node)) return Object.entries(node);
  return [];
}

export function query(doc: Json, path: string): Key[][] {
  let matches: Array<{ keys: Key[]; node: Json }> = [{ keys: [], node: doc }];
  for (const seg of parsePath(path)) {
    const next: typeof matches = [];
    for (const { keys, node } of matches) {
      if (seg.kind === 'name') {
        if (isObject(node) && Object.hasOwn(node, seg.name)) {
          next.push({ keys: [...keys, seg.name], node: node[seg.name] as Json });
        }
      } else if (seg.kind === 'index') {
        if (Array.isArray(node) && seg.index < node.length) {
          next.push({ keys: [...keys, seg.index], node: node[seg.index] as Json });
        }
      } else {
        for (const [k, v] of children(node)) {
          if (seg.kind === 'filter' && !(isObject(v) && v[seg.key] === seg.value)) continue;
          next.push({ keys: [...keys, k], node: v });
        }
      }
    }
    matches = next;
  }
  return matches.map((m) => m.keys);
}

function at(doc: Json, keys: Key[]): Json {
  return keys.reduce<Json>((node, k) => (node as Record<Key, Json>)[k] as Json, doc);
}

function kind(v: Json): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function merge(target: { [key: string]: Json }, update: { [key: string]: Json }, where: string): void {
  for (const [k, v] of Object.entries(update)) {
    const current = target[k];
    if (!Object.hasOwn(target, k) || current === undefined) target[k] = structuredClone(v);
    else if (isObject(current) && isObject(v)) merge(current, v, `${where}.${k}`);
    else if (Array.isArray(current) && Array.isArray(v)) target[k] = [...current, ...structuredClone(v)];
    else if (!isObject(current) && !Array.isArray(current) && !isObject(v) && !Array.isArray(v)) target[k] = v;
    else throw new OverlayTargetError(`Cannot apply ${kind(v)} to ${kind(current)} at ${where}.${k}`);
  }
}

function describe(action: OverlayAction, index: number): string {
  return `overlay action #${index} (target ${action.target}${action.description ? `: ${action.description.split('\n')[0]}` : ''})`;
}

/** Applies the overlay in place, in order; throws when an action's target matches nothing. */
export function applyOverlay(doc: Json, overlay: OverlayDocument): Json {
  if (!/^1\.\d+\.\d+$/.test(String(overlay.overlay))) {
    throw new OverlayTargetError(`Not an Overlay 1.x document (overlay: ${String(overlay.overlay)})`);
  }
  overlay.actions.forEach((action, index) => {
    const targets = query(doc, action.target);
    if (targets.length === 0) {
      throw new OverlayTargetError(`${describe(action, index)} matches nothing in the upstream spec`);
    }
    if (action.remove === true) {
      // Remove array items from the highest index down so earlier removals don't shift later ones.
      const sorted = [...targets].sort((a, b) => Number(b.at(-1) ?? -1) - Number(a.at(-1) ?? -1));
      for (const keys of sorted) {
        const parent = at(doc, keys.slice(0, -1));
        const last = keys.at(-1);
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else if (isObject(parent) && last !== undefined) delete parent[String(last)];
      }
      return;
    }
    if (action.update === undefined) throw new OverlayTargetError(`${describe(action, index)} has neither update nor remove`);
    const update = action.update;
    for (const keys of targets) {
      const node = at(doc, keys);
      const where = `${describe(action, index)} at ${keys.join('.')}`;
      if (Array.isArray(node)) node.push(...(Array.isArray(update) ? structuredClone(update) : [structuredClone(update)]));
      else if (isObject(node) && isObject(update)) merge(node, update, where);
      else if (!isObject(node) && !isObject(update) && !Array.isArray(update)) {
        const parent = at(doc, keys.slice(0, -1)) as Record<Key, Json>;
        parent[keys.at(-1) as Key] = update;
      } else throw new OverlayTargetError(`Cannot apply ${kind(update)} to ${kind(node)}: ${where}`);
    }
  });
  return doc;
}

/** Structural equality that ignores object key order (Redocly's bundler reorders top-level keys). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]));
  }
  return false;
}

export type { Json };
