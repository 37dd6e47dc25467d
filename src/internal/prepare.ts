// What a request sends, checked before anything is sent: path ids, and params read once into a
// plain copy (src/internal/params.ts) that is checked against the operation's generated rules and
// is what goes on the wire, on every attempt.
import type { OperationRule, Rule } from '../../generated/rules.js';
import { StripeInvalidParameterError } from '../errors.js';
import { fail } from './check-options.js';
import { snapshot } from './params.js';
import { findObjectProblem, findProblem, type Problem } from '../rules/params.js';

/** What a resource gives for one request, as openapi-fetch takes it. */
export interface CallInput {
  params?: { path?: Record<string, unknown> | undefined; query?: object | undefined } | undefined;
  body?: object | undefined;
}

const refuse = (problem: Problem | undefined): void => {
  if (problem !== undefined) throw new StripeInvalidParameterError(problem.param, problem.message);
};

/** `input` with its params replaced by checked copies: what every attempt sends. */
export function prepareInput<I extends CallInput>(op: OperationRule, input: I): I {
  const path: Record<string, string> = {};
  for (const name in op.pathParams) {
    // A path id: its rule (a string, well-formed, short enough), not empty, and nothing the URL
    // parser would resolve away ("." and "..").
    const id = input.params?.path?.[name];
    refuse(findProblem(op.pathParams[name] as Rule, id, name));
    if ((id as string).trim() === '') fail(name, 'must not be empty');
    if (id === '.' || id === '..') fail(name, `must not be "${id}"`);
    path[name] = id as string;
  }
  const get = op.method === 'GET';
  const given = get ? (input.params?.query ?? {}) : input.body;
  const params = given === undefined ? (op.encoding === 'none' ? undefined : {}) : snapshot(given);
  if (params !== undefined) refuse(findObjectProblem(op.params, params, ''));
  return get ? { ...input, params: { path, query: params } } : { ...input, params: { path }, body: params };
}
