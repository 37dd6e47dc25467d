// What a handler answers, and Stripe's two error shapes: v1 `{error: {type, message, code?, param?,
// doc_url?}}` and v2 `{error: {code, message, type?, doc_url?}}`.
import type { Problem } from '../rules/params.js';

/** A handler's answer before serialization. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** An answer that comes later (a control endpoint that waits on network work). */
  deferred?: Promise<Reply>;
}

export type Api = 'v1' | 'v2';

export interface V1ErrorFields {
  type?: 'invalid_request_error' | 'api_error' | 'idempotency_error';
  message: string;
  code?: string;
  param?: string;
}

const docUrl = (code: string) => `https://docs.stripe.com/error-codes/${code.replace(/_/g, '-')}`;

export function v1Error(status: number, fields: V1ErrorFields, headers?: Record<string, string>): Reply {
  const { type = 'invalid_request_error', message, code, param } = fields;
  const error: Record<string, string> = { type, message };
  if (code !== undefined) Object.assign(error, { code, doc_url: docUrl(code) });
  if (param !== undefined) error['param'] = param;
  return headers === undefined ? { status, body: { error } } : { status, body: { error }, headers };
}

export interface V2ErrorFields {
  code: string;
  message: string;
  type?: string;
  doc_url?: string;
}

export function v2Error(status: number, fields: V2ErrorFields, headers?: Record<string, string>): Reply {
  const error = { type: 'invalid_request_error', ...fields };
  return headers === undefined ? { status, body: { error } } : { status, body: { error }, headers };
}

/** A parameter problem found by rule-check, as Stripe words it. */
export function problemReply(problem: Problem, api: Api): Reply {
  if (api === 'v2') return v2Error(400, { code: 'invalid_fields', message: problem.message });
  switch (problem.kind) {
    case 'missing':
      return v1Error(400, { code: 'parameter_missing', param: problem.param, message: `Missing required param: ${problem.param}.` });
    case 'unknown':
      return v1Error(400, { code: 'parameter_unknown', param: problem.param, message: `Received unknown parameter: ${problem.param}` });
    default:
      // Stripe gives codes only for some invalid values; the param and the message always say which.
      return v1Error(400, { param: problem.param, message: problem.message });
  }
}

export function emptyParamReply(param: string): Reply {
  return v1Error(400, {
    code: 'parameter_invalid_empty',
    param,
    message: `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`,
  });
}

export const notFound = (what: string, id: string, param = 'id'): Reply =>
  v1Error(404, { code: 'resource_missing', param, message: `No such ${what}: '${id}'` });

/** Stripe's 429 body (v1), as Stripe sends it. */
export function rateLimited(api: Api, retryAfterSeconds: number | undefined): Reply {
  const message = 'Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.';
  const headers: Record<string, string> = retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) };
  return api === 'v1' ? v1Error(429, { code: 'rate_limit', message }, headers) : v2Error(429, { type: 'rate_limit', code: 'rate_limit', message }, headers);
}

export function serverError(api: Api): Reply {
  const message = 'An unknown error occurred (injected by the stripe-meters emulator).';
  return api === 'v1' ? v1Error(500, { type: 'api_error', message }) : v2Error(500, { type: 'api_error', code: 'internal_error', message });
}

export function conflict(api: Api): Reply {
  return api === 'v1'
    ? v1Error(409, { code: 'lock_timeout', message: 'This object cannot be accessed right now because another API request or Stripe process is currently accessing it (injected by the stripe-meters emulator).' })
    : v2Error(409, { code: 'too_many_concurrent_requests', message: 'Cannot create multiple usage events for the same customer, meter concurrently (injected by the stripe-meters emulator).' });
}
