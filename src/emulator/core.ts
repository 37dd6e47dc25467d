// One request in, one answer out, synchronously: faults and rate limit, authentication, the
// account, idempotent replay, params, the operation, and a Request-Id on every answer.
import { checkApiKey, checkSessionToken } from './auth.js';
import type { Clock } from './clock.js';
import type { Settings } from './context.js';
import type { Faults, RateLimiter } from './faults.js';
import { requestIds } from './ids.js';
import type { FaultRule } from './options.js';
import { readParams } from './params.js';
import { match } from './routes.js';
import type { State } from './state.js';
import { conflict, rateLimited, serverError, v1Error, v2Error, type Api, type Reply } from './wire.js';

/** A request in the form every adapter can hand it over. */
export interface EmulatorRequest {
  /** The HTTP method (any case). */
  method: string;
  /** The path and query (`/v1/billing/meters?limit=3`), or a full URL (its host is ignored). */
  url: string;
  /** A request header by lower-case name. */
  header(name: string): string | undefined;
  /** The whole request body, as text ("" when there is none). */
  body: string;
}

/** The answer; `reset` asks the adapter to drop the connection instead of answering. */
export interface EmulatorAnswer {
  /** The HTTP status. */
  status: number;
  /** Response headers, lower-case names (content-type and request-id always). */
  headers: Record<string, string>;
  /** The JSON body. */
  body: string;
  /** Set by an injected reset fault: `before` the request was applied, or `after`. */
  reset?: 'before' | 'after';
}

export interface CoreParts {
  state: State;
  clock: Clock;
  faults: Faults;
  limiter: RateLimiter | undefined;
  settings: Settings;
  /** The `/_emulator` control endpoints. */
  control: (method: string, pathname: string, body: string) => Reply;
}

function split(url: string): { pathname: string; query: string } {
  let rest = url;
  if (!url.startsWith('/')) {
    const parsed = new URL(url);
    rest = parsed.pathname + parsed.search;
  }
  const q = rest.indexOf('?');
  return q < 0 ? { pathname: rest, query: '' } : { pathname: rest.slice(0, q), query: rest.slice(q + 1) };
}

function unknownUrl(api: Api, method: string, pathname: string): Reply {
  const message = `Unrecognized request URL (${method}: ${pathname}). The stripe-meters emulator serves the Billing Meters API only.`;
  return api === 'v2' ? v2Error(404, { code: 'not_found', message }) : v1Error(404, { message });
}

function injected(fault: FaultRule, api: Api): Reply {
  if (fault.fault === 'rate_limit') return rateLimited(api, fault.retryAfterSeconds ?? 1);
  return fault.fault === 'conflict' ? conflict(api) : serverError(api);
}

function idempotencyMismatch(api: Api): Reply {
  const message = 'Keys for idempotent requests can only be used with the same parameters they were first used with. Try using another key if you meant to execute a different request.';
  return api === 'v1' ? v1Error(400, { type: 'idempotency_error', message }) : v2Error(400, { type: 'idempotency_error', code: 'idempotency_error', message });
}

export function createCore(parts: CoreParts): (request: EmulatorRequest) => EmulatorAnswer {
  const nextRequestId = requestIds();
  const { state, clock, faults, limiter, settings } = parts;

  const serialize = (reply: Reply, requestId: string, reset?: 'before' | 'after'): EmulatorAnswer => {
    const headers = { 'content-type': 'application/json', 'request-id': requestId, ...reply.headers };
    const answer: EmulatorAnswer = { status: reply.status, headers, body: JSON.stringify(reply.body) };
    if (reset !== undefined) answer.reset = reset;
    return answer;
  };

  return (request) => {
    const requestId = nextRequestId();
    const method = request.method.toUpperCase();
    const { pathname, query } = split(request.url);
    if (pathname.startsWith('/_emulator/')) return serialize(parts.control(method, pathname, request.body), requestId);
    const api: Api = pathname.startsWith('/v2/') ? 'v2' : 'v1';
    const found = match(method, pathname);
    if (found === undefined) return serialize(unknownUrl(api, method, pathname), requestId);
    const { route, path } = found;

    const fault = faults.pick({ method, pathname, template: route.operation.path, operationId: route.operationId });
    if (fault?.fault === 'reset') return serialize({ status: 0, body: '' }, requestId, 'before');
    if (fault !== undefined && fault.fault !== 'reset_after') return serialize(injected(fault, api), requestId);
    const resetAfter = fault?.fault === 'reset_after' ? 'after' : undefined;

    const nowMs = clock.nowMs();
    let accountId: string | undefined;
    if (route.stream) {
      const session = checkSessionToken(request.header('authorization'), state, nowMs);
      if ('status' in session) return serialize(session, requestId);
      accountId = session.account;
    } else {
      const refused = checkApiKey(request.header('authorization'), api);
      if (refused !== undefined) return serialize(refused, requestId);
      accountId = request.header('stripe-account') ?? request.header('stripe-context');
    }
    if (limiter !== undefined && !limiter.admit(accountId)) return serialize(rateLimited(api, 1), requestId);
    const account = state.account(accountId === '' ? undefined : accountId);
    const now = nowMs / 1000;

    // The stream takes no idempotency key: its events' identifiers dedupe resends.
    const idempotencyKey = method === 'POST' && !route.stream ? request.header('idempotency-key') : undefined;
    const fingerprint = `${method} ${pathname}\n${request.body}`;
    const saved = idempotencyKey === undefined ? undefined : account.idempotency.get(idempotencyKey, now);
    if (saved !== undefined) {
      if (saved.fingerprint !== fingerprint) return serialize(idempotencyMismatch(api), requestId);
      const headers = { 'content-type': 'application/json', 'request-id': requestId, 'idempotent-replayed': 'true', 'original-request': saved.requestId };
      const replay: EmulatorAnswer = { status: saved.status, headers, body: saved.body };
      if (resetAfter !== undefined) replay.reset = resetAfter;
      return replay;
    }

    const read = readParams(route.operation, query, request.body, api);
    if (read.refused !== undefined) return serialize(read.refused, requestId);
    const reply = route.handler({ state, account, settings, params: read.params, path, nowMs, now, idempotencyKey, apiVersion: request.header('stripe-version') });
    const answer = serialize(reply, requestId, resetAfter);
    if (idempotencyKey !== undefined && reply.status === 200) {
      account.idempotency.save(idempotencyKey, { fingerprint, status: 200, body: answer.body, requestId, at: now });
    }
    return answer;
  };
}
