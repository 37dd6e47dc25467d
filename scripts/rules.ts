// Turns the bundled spec into generated/rules.ts: for every operation, its method, path, host,
// body encoding and the constraints of its params (types, required fields, enums, lengths,
// ranges, item counts). The client checks input against these before sending and the emulator
// validates requests with them, so no limit the spec states is typed by hand.

/** A parsed JSON or YAML document. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

type Obj = { [key: string]: Json };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function resolve(doc: Obj, node: Json | undefined): Obj {
  let current = node;
  for (let hops = 0; isObj(current) && typeof current['$ref'] === 'string'; hops++) {
    if (hops > 20) throw new Error(`rules: $ref cycle at ${current['$ref']}`);
    const ref = current['$ref'];
    if (!ref.startsWith('#/')) throw new Error(`rules: only local $refs are supported (${ref})`);
    current = ref
      .slice(2)
      .split('/')
      .reduce<Json | undefined>((n, key) => (isObj(n) ? n[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), doc);
  }
  if (!isObj(current)) throw new Error('rules: a schema is not an object');
  return current;
}

/** The rule of one schema, as a plain JSON value (what generated/rules.ts holds). */
function ruleOf(doc: Obj, raw: Json | undefined, where: string): Obj {
  const schema = resolve(doc, raw);
  const types = Array.isArray(schema['type']) ? schema['type'] : [schema['type']];
  const type = types.find((t) => t !== 'null');
  const rule: Obj = {};
  if (types.includes('null')) rule['nullable'] = true;
  switch (type) {
    case 'string':
      rule['type'] = 'string';
      if (Array.isArray(schema['enum'])) rule['enum'] = schema['enum'].filter((v) => v !== null);
      if (typeof schema['maxLength'] === 'number') rule['maxLength'] = schema['maxLength'];
      if (typeof schema['format'] === 'string') rule['format'] = schema['format'];
      break;
    case 'integer':
    case 'number':
      rule['type'] = type;
      if (typeof schema['minimum'] === 'number') rule['minimum'] = schema['minimum'];
      if (typeof schema['maximum'] === 'number') rule['maximum'] = schema['maximum'];
      if (typeof schema['format'] === 'string') rule['format'] = schema['format'];
      break;
    case 'boolean':
      rule['type'] = 'boolean';
      break;
    case 'array':
      rule['type'] = 'array';
      rule['items'] = ruleOf(doc, schema['items'], `${where}[]`);
      if (typeof schema['minItems'] === 'number') rule['minItems'] = schema['minItems'];
      if (typeof schema['maxItems'] === 'number') rule['maxItems'] = schema['maxItems'];
      break;
    case 'object':
    case undefined: {
      if (type === undefined && schema['properties'] === undefined) throw new Error(`rules: ${where} has no type`);
      rule['type'] = 'object';
      const properties: Obj = {};
      for (const [name, child] of Object.entries(isObj(schema['properties']) ? schema['properties'] : {})) {
        properties[name] = ruleOf(doc, child, `${where}.${name}`);
      }
      rule['properties'] = properties;
      rule['required'] = Array.isArray(schema['required']) ? [...schema['required']].sort() : [];
      const extra = schema['additionalProperties'];
      // Absent means "anything" in JSON Schema; Stripe's spec says false wherever it means it.
      rule['additionalProperties'] = extra === undefined || extra === true ? true : extra === false ? false : ruleOf(doc, extra, `${where}{}`);
      break;
    }
    default:
      throw new Error(`rules: ${where} has unsupported type ${String(type)}`);
  }
  return rule;
}

const METHODS = ['get', 'post'] as const;

/** Whether the success answer is an object with no fields (the v2 stream answers `{}`). */
function hasEmptyResult(doc: Obj, op: Obj): boolean {
  const responses = isObj(op['responses']) ? op['responses'] : {};
  const ok = responses['200'] === undefined ? undefined : resolve(doc, responses['200'])['content'];
  const json = isObj(ok) && isObj(ok['application/json']) ? ok['application/json']['schema'] : undefined;
  if (json === undefined) return false;
  const schema = resolve(doc, json);
  return schema['type'] === 'object' && Object.keys(isObj(schema['properties']) ? schema['properties'] : {}).length === 0 && schema['additionalProperties'] === false;
}

/** One entry per operationId: where it goes and what its params must satisfy. */
export function extractRules(bundled: Json): Obj {
  if (!isObj(bundled) || !isObj(bundled['paths'])) throw new Error('rules: the bundled spec has no paths');
  const doc = bundled;
  const defaultServer = (doc['servers'] as Obj[] | undefined)?.[0]?.['url'];
  const operations: Obj = {};
  for (const [path, rawItem] of Object.entries(bundled['paths'] as Obj)) {
    const item = resolve(doc, rawItem);
    for (const method of METHODS) {
      const op = item[method];
      if (!isObj(op)) continue;
      const id = String(op['operationId']);
      const servers = (op['servers'] ?? item['servers']) as Obj[] | undefined;
      const server = String(servers?.[0]?.['url'] ?? defaultServer);
      const pathParams: Obj = {};
      const query: Obj = { type: 'object', properties: {}, required: [], additionalProperties: false };
      for (const rawParam of (op['parameters'] ?? []) as Json[]) {
        const param = resolve(doc, rawParam);
        const name = String(param['name']);
        if (param['in'] === 'path') pathParams[name] = ruleOf(doc, param['schema'], `${id} ${name}`);
        else if (param['in'] === 'query') {
          (query['properties'] as Obj)[name] = ruleOf(doc, param['schema'], `${id} ${name}`);
          if (param['required'] === true) (query['required'] as string[]).push(name);
        }
      }
      (query['required'] as string[]).sort();
      let encoding: 'form' | 'json' | 'none' = 'none';
      let params: Obj = query;
      if (method === 'post') {
        const content = op['requestBody'] === undefined ? undefined : resolve(doc, op['requestBody'])['content'];
        if (isObj(content) && isObj(content['application/json'])) {
          encoding = 'json';
          params = ruleOf(doc, content['application/json']['schema'], `${id} body`);
        } else if (isObj(content) && isObj(content['application/x-www-form-urlencoded'])) {
          encoding = 'form';
          params = ruleOf(doc, content['application/x-www-form-urlencoded']['schema'], `${id} body`);
        } else {
          params = { type: 'object', properties: {}, required: [], additionalProperties: false };
        }
      }
      operations[id] = { method: method.toUpperCase(), path, server: server.replace(/\/$/, ''), encoding, pathParams, params, emptyResult: hasEmptyResult(doc, op) };
    }
  }
  return operations;
}

const TYPES = `/** What a parameter must satisfy, taken from the spec. */
export type Rule = StringRule | NumberRule | BooleanRule | ArrayRule | ObjectRule;
interface Base {
  /** The spec allows null (JSON) or an empty value (form). */
  readonly nullable?: true;
}
export interface StringRule extends Base {
  readonly type: 'string';
  readonly enum?: readonly string[];
  readonly maxLength?: number;
  readonly format?: string;
}
export interface NumberRule extends Base {
  readonly type: 'integer' | 'number';
  readonly minimum?: number;
  readonly maximum?: number;
  readonly format?: string;
}
export interface BooleanRule extends Base {
  readonly type: 'boolean';
}
export interface ArrayRule extends Base {
  readonly type: 'array';
  readonly items: Rule;
  readonly minItems?: number;
  readonly maxItems?: number;
}
export interface ObjectRule extends Base {
  readonly type: 'object';
  readonly properties: { readonly [name: string]: Rule };
  readonly required: readonly string[];
  /** false: unknown keys are refused; true: anything; a rule: what every other key's value must satisfy. */
  readonly additionalProperties: boolean | Rule;
}
export interface OperationRule {
  readonly method: 'GET' | 'POST';
  /** The path template, as in the spec (\`/v1/billing/meters/{id}\`). */
  readonly path: string;
  /** The server the operation is served from, without a trailing slash. */
  readonly server: string;
  /** How the params travel: a form body, a JSON body, or (none) the query string or nothing. */
  readonly encoding: 'form' | 'json' | 'none';
  /** The path template's parameters, each with its rule. */
  readonly pathParams: { readonly [name: string]: Rule };
  /** The body's rule (POST) or the query's (GET). */
  readonly params: ObjectRule;
  /** The success answer is an object with no fields (the v2 stream); an empty body stands for it. */
  readonly emptyResult: boolean;
}
`;

/** The text of generated/rules.ts. */
export function rulesModule(header: string, bundled: Json): string {
  const operations = extractRules(bundled);
  // One constant per operation, so that a bundle holds the rules of the operations it calls only.
  const each = Object.entries(operations).map(([id, rule]) => `export const ${id} = ${JSON.stringify(rule, null, 2)} as const satisfies OperationRule;\n`);
  const servers = new Set(Object.values(operations).map((op) => (op as Obj)['server']));
  const server = String((bundled as Obj)['servers'] === undefined ? '' : (((bundled as Obj)['servers'] as Obj[])[0]?.['url'] ?? '')).replace(/\/$/, '');
  if (!servers.has(server)) throw new Error(`rules: no operation is served from the default server ${server}`);
  const head = `/** The server of every operation that names no other. */\nexport const DEFAULT_SERVER = ${JSON.stringify(server)};\n\n`;
  const all = `export const OPERATIONS = {\n${Object.keys(operations).map((id) => `  ${id},\n`).join('')}} as const;\n`;
  return `/**\n * ${header}\n */\n\n${TYPES}\n${head}${each.join('\n')}\n${all}\nexport type OperationId = keyof typeof OPERATIONS;\n`;
}
