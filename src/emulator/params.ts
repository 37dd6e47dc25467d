// Reads an operation's params off the request (form body, query string or JSON body) and checks
// them against the spec's rules (generated/rules.ts): required, enums, lengths, ranges, unknown
// parameters refused, as Stripe does.
import type { OperationRule } from '../../generated/rules.js';
import { findObjectProblem } from '../rules/params.js';
import { decodeForm, findEmpty, shapeByRule } from './form.js';
import { emptyParamReply, problemReply, v1Error, v2Error, type Api, type Reply } from './wire.js';

export type Params = Record<string, unknown>;
export type Read = { params: Params; refused?: undefined } | { refused: Reply };
const refuse = (reply: Reply): Read => ({ refused: reply });

function fromForm(operation: OperationRule, text: string): Read {
  const rule = operation.params;
  const value = shapeByRule(rule, decodeForm(text), false);
  const empty = findEmpty(rule, value, '');
  if (empty !== undefined) return refuse(emptyParamReply(empty));
  const problem = findObjectProblem(rule, value, '', { form: true, refuseUnknown: true });
  if (problem !== undefined) return refuse(problemReply(problem, 'v1'));
  return { params: shapeByRule(rule, value, true) as Params };
}

function fromJson(operation: OperationRule, text: string, api: Api): Read {
  let value: unknown = {};
  if (text.trim() !== '') {
    try {
      value = JSON.parse(text);
    } catch {
      const message = 'The request body is not valid JSON.';
      return refuse(api === 'v2' ? v2Error(400, { code: 'invalid_json', message }) : v1Error(400, { message }));
    }
  }
  const problem = findObjectProblem(operation.params, value, '', { refuseUnknown: true });
  if (problem !== undefined) return refuse(problemReply(problem, api));
  return { params: value as Params };
}

/** The request's params, or the 400 that refuses them. */
export function readParams(operation: OperationRule, query: string, body: string, api: Api): Read {
  if (operation.method === 'GET') return fromForm(operation, query);
  if (operation.encoding === 'form') return fromForm(operation, body);
  // The v2 session takes no params; clients send nothing or `{}`.
  return fromJson(operation, body, api);
}

