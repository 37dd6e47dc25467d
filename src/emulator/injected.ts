// What an injected fault makes of a request: an answer in place of the operation's (not applied),
// or a disturbance of the operation's own answer (applied first): a delay, a hang, a body cut or
// stalled half-way, an HTML page, a dropped connection. Adapters carry out the delivery.
import type { FaultRule } from './options.js';
import { conflict, rateLimited, serverError, v1Error, v2Error, type Api, type Reply } from './wire.js';

/** How an adapter delivers an answer a fault has disturbed. */
export type Delivery =
  /** Drop the connection instead of answering. */
  | { kind: 'reset' }
  /** Never answer (until the client gives up). */
  | { kind: 'hang' }
  /** Answer after `ms`. */
  | { kind: 'delay'; ms: number }
  /** Send the status, the headers and half the body, then drop the connection. */
  | { kind: 'cut' }
  /** Send the status, the headers and half the body, wait `ms`, then drop the connection. */
  | { kind: 'stall'; ms: number };

const DEFAULT_DELAY_MS = 1000;
export const DEFAULT_REDIRECT = '/v1/billing/meters/redirected';

/** Whether the request takes effect before the fault disturbs its answer. */
export function applies(rule: FaultRule): boolean {
  switch (rule.fault) {
    case 'slow':
    case 'hang_after':
    case 'reset_after':
      return true;
    case 'cut_body':
    case 'stall_body':
      return rule.status === undefined;
    case 'not_json':
      return rule.status === undefined || rule.status < 300;
    default:
      return false;
  }
}

function html(status: number, text: string, headers: Record<string, string> = {}): Reply {
  return { status, body: `<!DOCTYPE html>\n<html><head><title>${status}</title></head><body><p>${text}</p></body></html>\n`, headers: { 'content-type': 'text/html; charset=utf-8', ...headers } };
}

/** Any status in Stripe's error shape. */
export function errorReply(rule: FaultRule, api: Api, status: number): Reply {
  const type = rule.type ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  const message = rule.message ?? `An error with status ${status} injected by the stripe-meters emulator.`;
  if (api === 'v2') return v2Error(status, { type, code: rule.code ?? 'injected_error', message });
  const body: { error: Record<string, string> } = { error: { type, message } };
  if (rule.code !== undefined) body.error['code'] = rule.code;
  return { status, body };
}

/** The answer of a fault that answers in place of the operation (`applies` is false). */
export function injectedReply(rule: FaultRule, api: Api): Reply {
  switch (rule.fault) {
    case 'rate_limit':
      return rateLimited(api, rule.retryAfterSeconds);
    case 'conflict':
      return conflict(api);
    case 'server_error':
      return rule.status === undefined || rule.status === 500 ? serverError(api) : errorReply(rule, api, rule.status);
    case 'redirect': {
      const location = rule.location ?? DEFAULT_REDIRECT;
      return html(302, `Moved to <a href="${location.replace(/"/g, '&quot;')}">another place</a> (a redirect injected by the stripe-meters emulator).`, { location });
    }
    case 'not_json':
      return html(rule.status ?? 200, 'Bad gateway: an HTML page injected by the stripe-meters emulator in place of JSON.');
    case 'error':
    case 'cut_body':
    case 'stall_body':
      return errorReply(rule, api, rule.status ?? 500);
    default:
      return v1Error(500, { type: 'api_error', message: `No injected answer for ${rule.fault}.` });
  }
}

/** How the (injected or real) answer is delivered. */
export function deliveryOf(rule: FaultRule): Delivery | undefined {
  switch (rule.fault) {
    case 'slow':
      return { kind: 'delay', ms: rule.delayMs ?? DEFAULT_DELAY_MS };
    case 'hang':
    case 'hang_after':
      return { kind: 'hang' };
    case 'reset':
    case 'reset_after':
      return { kind: 'reset' };
    case 'cut_body':
      return { kind: 'cut' };
    case 'stall_body':
      return { kind: 'stall', ms: rule.delayMs ?? DEFAULT_DELAY_MS };
    default:
      return undefined;
  }
}

/** An applied request's answer as the fault changes it (`not_json` replaces the body). */
export function disturbed(rule: FaultRule, reply: Reply): Reply {
  return rule.fault === 'not_json' ? injectedReply(rule, 'v1') : reply;
}

/** The Stripe-Should-Retry header a rule adds. */
export function retryHeader(rule: FaultRule): Record<string, string> | undefined {
  return rule.shouldRetry === undefined ? undefined : { 'stripe-should-retry': String(rule.shouldRetry) };
}
