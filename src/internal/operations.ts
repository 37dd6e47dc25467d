// Which operation a (method, path) is, from generated/rules.ts: for the raw client, which names
// operations by path. Resource modules import their own operations, so that a bundle holds only
// the rules of what it calls.
import { OPERATIONS, PostV2BillingMeterEventStream, type OperationRule } from '../../generated/rules.js';
import { StripeInvalidParameterError } from '../errors.js';

const BY_ROUTE = new Map<string, OperationRule>(Object.values(OPERATIONS).map((op: OperationRule) => [`${op.method} ${op.path}`, op]));

export function operationFor(method: 'GET' | 'POST', path: string): OperationRule {
  const op = BY_ROUTE.get(`${method} ${path}`);
  if (op === undefined) throw new StripeInvalidParameterError('path', `${method} ${path} is not an operation of the Billing Meters spec`);
  return op;
}

/** The operation whose requests authenticate with a meter event session token. */
export const STREAM_OPERATION: OperationRule = PostV2BillingMeterEventStream;
