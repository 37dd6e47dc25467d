// What a request sends, checked before anything is sent: path ids, and params read once into a
// plain copy (src/internal/params.ts) that is checked against the operation's generated rules and
// is what goes on the wire, on every attempt.
import type { OperationRule, Rule } from '../../generated/rules.js';
import { StripeInvalidParameterError } from '../errors.js';
import { snapshot } from './params.js';
import { findObjectProblem, findProblem } from '../rules/params.js';

/** What a resource gives for one request, as openapi-fetch takes it. */
export interface CallInput {
  params?: { path?: Record<string, unknown> | undefined; query?: object | undefined } | undefined;
  body?: object | undefined;
}

// Half of a UTF-16 pair: no URL and no form can carry it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** `input` with its params replaced by checked copies: what every attempt sends. */
export function prepareInput<I extends CallInput>(op: OperationRule, input: I): I {
  const path: Record<string, string> = {};
  for (const name in op.pathParams) path[name] = checkId(op.pathParams[name], input.params?.path?.[name], name);
  if (op.method === 'GET') {
    const query = snapshot(input.params?.query ?? {});
    check(op, query);
    return { ...input, params: { path, query } };
  }
  const body = input.body === undefined ? (op.encoding === 'none' ? undefined : {}) : snapshot(input.body);
  if (body !== undefined) check(op, body);
  return { ...input, params: { path }, body };
}

function check(op: OperationRule, params: Record<string, unknown>): void {
  const problem = findObjectProblem(op.params, params, '');
  if (problem !== undefined) throw new StripeInvalidParameterError(problem.param, problem.message);
}

/** A path id: a non-empty string that the URL parser cannot resolve away ("." and ".."). */
function checkId(rule: Rule | undefined, id: unknown, param: string): string {
  if (typeof id !== 'string') throw new StripeInvalidParameterError(param, `${param} must be a string, got ${id === null ? 'null' : typeof id}`);
  if (id.trim() === '') throw new StripeInvalidParameterError(param, `${param} must not be empty`);
  if (id === '.' || id === '..') throw new StripeInvalidParameterError(param, `${param} must not be "${id}"`);
  if (LONE_SURROGATE.test(id)) throw new StripeInvalidParameterError(param, `${param} holds half of a UTF-16 surrogate pair, which no URL can carry`);
  const problem = rule === undefined ? undefined : findProblem(rule, id, param);
  if (problem !== undefined) throw new StripeInvalidParameterError(param, problem.message);
  return id;
}
