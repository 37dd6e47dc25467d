// Which operation a (method, path) is, from generated/rules.ts: its host, body encoding and rules.
import { OPERATIONS, type OperationRule } from '../../generated/rules.js';
import { StripeInvalidParameterError } from '../errors.js';
import type { Method } from './core.js';

export const API_SERVER = OPERATIONS.GetBillingMeters.server;
export const METER_EVENTS_SERVER = OPERATIONS.PostV2BillingMeterEventStream.server;
export const STREAM_PATH = OPERATIONS.PostV2BillingMeterEventStream.path;

const BY_ROUTE = new Map<string, OperationRule>(Object.values(OPERATIONS).map((op: OperationRule) => [`${op.method} ${op.path}`, op]));

export function operationFor(method: Method, path: string): OperationRule {
  const op = BY_ROUTE.get(`${method} ${path}`);
  if (op === undefined) throw new StripeInvalidParameterError('path', `${method} ${path} is not an operation of the Billing Meters spec`);
  return op;
}
