// One request in, one answer out, synchronously: faults and rate limit, authentication, the
// account, idempotent replay, params, the operation, and a Request-Id on every answer.
import { checkApiKey, checkSessionToken, expireSession } from './auth.js';
import type { Clock } from './clock.js';
import type { Settings } from './context.js';
import type { Faults, RateLimiter } from './faults.js';
import { fingerprint } from './idempotency.js';
import { requestIds } from './ids.js';
import { applies, deliveryOf, injectedReply, retryHeader, type Delivery } from './injected.js';
import type { FaultRule } from './options.js';
import { readParams } from './params.js';
import { duplicateOf, type Feed } from './feed.js';
import { count } from './introspect.js';
import type { RequestLog, RequestRecord } from './request-log.js';
import { match, type Route } from './routes.js';
import type { State } from './state.js';
import { rateLimited, v1Error, v2Error, type Api, type Reply } from './wire.js';

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
  /** The exact body bytes, for the request log. @default `body` encoded as UTF-8 */
  bytes?: Uint8Array;
  /** Every header by lower-case name, for the request log (read only when the log keeps headers). @default none */
  headers?: () => Record<string, string>;
}

/** The answer, and how to deliver it when a fault disturbs it. */
export interface EmulatorAnswer {
  /** The HTTP status (0 when nothing is to be answered: a reset or a hang). */
  status: number;
  /** Response headers, lower-case names (content-type and request-id always). */
  headers: Record<string, string>;
  /** The body (JSON, or HTML from a `not_json` or `redirect` fault). */
  body: string;
  /** Set by an injected fault: drop the connection, hang, answer late, or cut or stall the body. */
  delivery?: Delivery;
  /** The answer to send instead, once it settles (a control endpoint that waits). */
  later?: Promise<EmulatorAnswer>;
}

/** Counters of what the emulator answered, by operation id (`unknown` for unknown URLs, `control` for /_emulator). */
export type RequestCounts = Record<string, { total: number; byStatus: Record<string, number> }>;

export interface CoreParts {
  state: State;
  clock: Clock;
  faults: Faults;
  limiter: RateLimiter | undefined;
  settings: Settings;
  log: RequestLog;
  feed: Feed;
  counts: RequestCounts;
  /** GET /v2/core/events and /v2/core/events/{id} (the thin events), for an authenticated account. */
  coreEvents: (pathname: string, query: string, account: string | null) => Reply;
  /** Called after every request (thin events whose window closed are emitted). */
  after: () => void;
  /** The `/_emulator` control endpoints. */
  control: (method: string, pathname: string, query: string, body: string) => Reply;
}

function split(url: string): { pathname: string; query: string } {
  let rest = url;
  if (url.charCodeAt(0) !== 47 /* / */) {
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

function idempotencyMismatch(api: Api): Reply {
  const message = 'Keys for idempotent requests can only be used with the same parameters they were first used with. Try using another key if you meant to execute a different request.';
  return api === 'v1' ? v1Error(400, { type: 'idempotency_error', message }) : v2Error(400, { type: 'idempotency_error', code: 'idempotency_error', message });
}

const encoder = new TextEncoder();

export function createCore(parts: CoreParts): (request: EmulatorRequest) => EmulatorAnswer {
  const nextRequestId = requestIds();
  const { state, clock, faults, limiter, settings, log, feed, counts } = parts;

  const serialize = (reply: Reply, requestId: string): EmulatorAnswer => {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'request-id': requestId };
    if (reply.headers !== undefined) for (const name in reply.headers) headers[name.toLowerCase()] = reply.headers[name] as string;
    const answer: EmulatorAnswer = { status: reply.status, headers, body: typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body) };
    if (reply.deferred !== undefined) answer.later = reply.deferred.then((settled) => serialize(settled, requestId));
    return answer;
  };

  interface Outcome {
    pathname: string;
    batch: number;
    operationId: string | undefined;
    account: string | null;
    idempotencyKey: string | undefined;
    fault: FaultRule | undefined;
    replayed: boolean;
  }
  const outcome: Outcome = { pathname: '', batch: 0, operationId: undefined, account: null, idempotencyKey: undefined, fault: undefined, replayed: false };

  const record = (request: EmulatorRequest, at: number, answer: EmulatorAnswer): RequestRecord => {
    const raw = log.wantsRaw;
    const delivery = answer.delivery?.kind;
    const entry: RequestRecord = {
      seq: log.nextSeq(),
      requestId: answer.headers['request-id'] ?? '',
      at,
      method: request.method.toUpperCase(),
      url: request.url,
      path: outcome.pathname,
      operationId: outcome.operationId,
      status: delivery === 'reset' || delivery === 'hang' ? 0 : answer.status,
      account: outcome.account,
      idempotencyKey: outcome.idempotencyKey,
      fault: outcome.fault?.fault,
      replayed: outcome.replayed,
    };
    if (raw) {
      entry.headers = request.headers?.() ?? {};
      entry.body = request.bytes ?? encoder.encode(request.body);
    }
    return entry;
  };

  const respond = (request: EmulatorRequest): EmulatorAnswer => {
    const method = request.method.toUpperCase();
    const { pathname, query } = split(request.url);
    outcome.pathname = pathname;
    const requestId = nextRequestId();
    if (pathname.startsWith('/_emulator/')) {
      const answer = serialize(parts.control(method, pathname, query, request.body), requestId);
      count(counts, 'control', answer.status);
      return answer;
    }
    const api: Api = pathname.startsWith('/v2/') ? 'v2' : 'v1';
    if (method === 'GET' && (pathname === '/v2/core/events' || pathname.startsWith('/v2/core/events/'))) {
      const refused = checkApiKey(request.header('authorization'), 'v2');
      outcome.account = request.header('stripe-context') ?? request.header('stripe-account') ?? null;
      if (outcome.account === '') outcome.account = null;
      const answer = serialize(refused ?? parts.coreEvents(pathname, query, outcome.account), requestId);
      count(counts, 'core_events', answer.status);
      return answer;
    }
    const found = match(method, pathname);
    if (found === undefined) {
      count(counts, 'unknown', 404);
      return serialize(unknownUrl(api, method, pathname), requestId);
    }
    const { route, path } = found;
    outcome.operationId = route.operationId;
    const answer = operate(request, method, pathname, query, route, path, api, requestId);
    count(counts, route.operationId, answer.delivery?.kind === 'reset' || answer.delivery?.kind === 'hang' ? 0 : answer.status);
    return answer;
  };

  const operate = (request: EmulatorRequest, method: string, pathname: string, query: string, route: Route, path: Record<string, string>, api: Api, requestId: string): EmulatorAnswer => {
    // The stream takes no idempotency key: its events' identifiers dedupe resends.
    const idempotencyKey = method === 'POST' && !route.stream ? request.header('idempotency-key') : undefined;
    outcome.idempotencyKey = idempotencyKey;
    const fault = faults.any ? faults.pick({ method, pathname, template: route.operation.path, operationId: route.operationId, idempotencyKey }) : undefined;
    outcome.fault = fault;
    const nowMs = clock.nowMs();
    if (fault !== undefined && !applies(fault)) return injectedAnswer(fault, request, route, api, requestId, nowMs);

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
    if (accountId === '') accountId = undefined;
    outcome.account = accountId ?? null;
    if (limiter !== undefined && !limiter.admit(accountId)) return serialize(rateLimited(api, 1), requestId);
    const account = state.account(accountId);
    const now = nowMs / 1000;

    let answer: EmulatorAnswer;
    const saved = idempotencyKey === undefined ? undefined : account.idempotency.get(idempotencyKey, now);
    const print = idempotencyKey === undefined ? 0 : fingerprint(method, pathname, request.body);
    if (saved !== undefined) {
      if (saved.fingerprint !== print) return serialize(idempotencyMismatch(api), requestId);
      outcome.replayed = true;
      answer = { status: saved.status, headers: { 'content-type': 'application/json', 'request-id': requestId, 'idempotent-replayed': 'true', 'original-request': saved.requestId }, body: saved.body };
    } else {
      const read = readParams(route.operation, query, request.body, api);
      if (read.refused !== undefined) return serialize(read.refused, requestId);
      if (route.stream) outcome.batch = (read.params['events'] as unknown[]).length;
      const reply = route.handler({ state, account, settings, params: read.params, path, nowMs, now, idempotencyKey, apiVersion: request.header('stripe-version') });
      answer = serialize(reply, requestId);
      if (idempotencyKey !== undefined && reply.status === 200) {
        account.idempotency.save(idempotencyKey, { fingerprint: print, status: 200, body: answer.body, requestId, at: now });
      }
    }
    if (fault === undefined) return answer;
    // An applied request whose answer the fault disturbs.
    if (fault.fault === 'not_json') answer = serialize(injectedReply(fault, api), requestId);
    Object.assign(answer.headers, retryHeader(fault));
    const delivery = deliveryOf(fault);
    if (delivery !== undefined) answer.delivery = delivery;
    return answer;
  };

  const injectedAnswer = (fault: FaultRule, request: EmulatorRequest, route: Route, api: Api, requestId: string, nowMs: number): EmulatorAnswer => {
    let reply: Reply;
    if (fault.fault === 'reset' || fault.fault === 'hang') reply = { status: 0, body: '' };
    else if (fault.fault === 'session_expired') reply = expireSession(request.header('authorization'), state, nowMs);
    else reply = injectedReply(fault, api);
    const answer = serialize(reply, requestId);
    Object.assign(answer.headers, retryHeader(fault));
    const delivery = deliveryOf(fault);
    if (delivery !== undefined) answer.delivery = delivery;
    return answer;
  };

  return (request) => {
    const at = clock.nowMs();
    feed.begin();
    outcome.batch = 0;
    outcome.pathname = '';
    outcome.operationId = undefined;
    outcome.account = null;
    outcome.idempotencyKey = undefined;
    outcome.fault = undefined;
    outcome.replayed = false;
    const answer = respond(request);
    const watched = state.intake.watching;
    if (log.active || watched) {
      const entry = record(request, at, answer);
      if (log.active) log.add(entry);
      if (watched) feed.end(entry, duplicateOf(outcome.operationId, answer), outcome.batch);
    }
    parts.after();
    return answer;
  };
}
