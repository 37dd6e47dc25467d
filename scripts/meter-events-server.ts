// A loopback stand-in for Stripe's meter event endpoints that counts what it accepts: v2 sessions
// (tokens with a lifetime), the v2 stream (dedupes identifiers), v1 meter events. It can fail on
// purpose per request (tests) or run flat out (the benchmark's sink, in its own process).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback.js';

export type StreamFault = 'none' | 'reset-before' | 'reset-after' | 'expire-session' | { status: number; retryAfter?: string };

export interface MeterEventsServerOptions {
  /** Session token lifetime. @default 15 minutes */
  sessionLifetimeMs?: number;
  /** Fault for the n-th stream request (1-based). */
  streamFault?: (n: number) => StreamFault;
  /** Batches holding an event with one of these names are refused (400 no_meter), as Stripe refuses unknown meters. */
  unknownEventNames?: string[];
  /** Delay before answering each stream request. @unit milliseconds */
  streamDelayMs?: number;
}

export interface MeterEventsState {
  /** identifier -> times accepted (1 unless the server double-counted) */
  events: Map<string, number>;
  duplicatesDropped: number;
  streamRequests: number;
  /** Stream requests answered 200. */
  acceptedBatches: number;
  v1Requests: number;
  sessionsCreated: number;
  sessionCreationsInFlight: number;
  maxConcurrentSessionCreations: number;
  /** Stream requests that arrived with an expired token. */
  expiredTokenUses: number;
  faults: Record<string, number>;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startMeterEventsServer(options: MeterEventsServerOptions = {}) {
  const lifetime = options.sessionLifetimeMs ?? 15 * 60_000;
  const unknown = new Set(options.unknownEventNames ?? []);
  const tokens = new Map<string, number>();
  const state: MeterEventsState = {
    events: new Map(),
    duplicatesDropped: 0,
    streamRequests: 0,
    acceptedBatches: 0,
    v1Requests: 0,
    sessionsCreated: 0,
    sessionCreationsInFlight: 0,
    maxConcurrentSessionCreations: 0,
    expiredTokenUses: 0,
    faults: {},
  };
  const accept = (identifier: string) => {
    if (state.events.has(identifier)) state.duplicatesDropped++;
    else state.events.set(identifier, 1);
  };

  async function session(res: ServerResponse): Promise<void> {
    state.sessionCreationsInFlight++;
    state.maxConcurrentSessionCreations = Math.max(state.maxConcurrentSessionCreations, state.sessionCreationsInFlight);
    await new Promise((r) => setTimeout(r, 5));
    state.sessionCreationsInFlight--;
    const created = Date.now();
    const token = `mes_tok_${++state.sessionsCreated}`;
    tokens.set(token, created + lifetime);
    json(res, 200, {
      id: `mes_${state.sessionsCreated}`,
      object: 'v2.billing.meter_event_session',
      authentication_token: token,
      created: new Date(created).toISOString(),
      expires_at: new Date(created + lifetime).toISOString(),
      livemode: false,
    });
  }

  async function stream(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const n = ++state.streamRequests;
    const fault = options.streamFault?.(n) ?? 'none';
    const name = typeof fault === 'string' ? fault : String(fault.status);
    state.faults[name] = (state.faults[name] ?? 0) + 1;
    if (fault === 'reset-before') {
      req.socket.destroy();
      return;
    }
    const body = await readBody(req);
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const expiresAt = tokens.get(token);
    if (expiresAt === undefined || fault === 'expire-session' || Date.now() >= expiresAt) {
      if (expiresAt !== undefined && Date.now() >= expiresAt) state.expiredTokenUses++;
      json(res, 401, {
        error: { type: 'temporary_session_expired', code: 'billing_meter_event_session_expired', message: 'The meter event session has expired.', doc_url: 'https://docs.stripe.com' },
      });
      return;
    }
    if (typeof fault === 'object') {
      json(res, fault.status, { error: { type: 'api_error', message: `injected ${fault.status}` } }, fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter });
      return;
    }
    const { events } = JSON.parse(body) as { events: Array<{ event_name: string; identifier: string }> };
    const bad = events.find((e) => unknown.has(e.event_name));
    if (bad !== undefined) {
      json(res, 400, { error: { type: 'invalid_request_error', code: 'no_meter', message: `No active meter for event_name ${bad.event_name}` } });
      return;
    }
    for (const e of events) accept(e.identifier);
    if (fault === 'reset-after') {
      req.socket.destroy();
      return;
    }
    if (options.streamDelayMs !== undefined) await new Promise((r) => setTimeout(r, options.streamDelayMs));
    state.acceptedBatches++;
    json(res, 200, {});
  }

  async function v1Event(req: IncomingMessage, res: ServerResponse): Promise<void> {
    state.v1Requests++;
    const form = new URLSearchParams(await readBody(req));
    const identifier = form.get('identifier') ?? `gen_${state.v1Requests}`;
    accept(identifier);
    json(res, 200, { object: 'billing.meter_event', created: 1, event_name: form.get('event_name'), identifier, livemode: false, payload: {}, timestamp: 1 });
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const handle =
      path === '/v2/billing/meter_event_session'
        ? session(res)
        : path === '/v2/billing/meter_event_stream'
          ? stream(req, res)
          : path === '/v1/billing/meter_events'
            ? v1Event(req, res)
            : path === '/stats'
              ? Promise.resolve(json(res, 200, { accepted: state.events.size, ...state, events: undefined }))
              : Promise.resolve(json(res, 404, { error: { type: 'invalid_request_error', message: `No route ${path}` } }));
    handle.catch((error: unknown) => json(res, 500, { error: { type: 'api_error', message: String(error) } }));
  });
  server.keepAliveTimeout = 60_000;
  return { ...(await listenOnLoopback(server)), state };
}
