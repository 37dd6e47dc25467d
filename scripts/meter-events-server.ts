// A loopback stand-in for Stripe's meter event endpoints that counts what it accepts: v2 sessions
// (tokens with a lifetime), the v2 stream (dedupes identifiers), v1 meter events. It can fail on
// purpose per request (tests) or run flat out (the benchmark's sink, in its own process).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback.js';

export type StreamFault =
  | 'none'
  /** Drop the connection before reading the request: nothing happened. */
  | 'reset-before'
  /** Accept the events, then drop the connection: they landed, the client sees a failure. */
  | 'reset-after'
  /** Accept the events, then send half of the answer and drop the connection. */
  | 'cut-body'
  /** Accept the events, then answer after `slowMs`. */
  | 'slow'
  /** Never answer. */
  | 'hang'
  /** Accept the events, then never answer. */
  | 'hang-after'
  /** Answer 401 temporary_session_expired, whatever the token. */
  | 'expire-session'
  | { status: number; retryAfter?: string };

export interface MeterEventsServerOptions {
  /** Session token lifetime. @unit milliseconds @default 15 minutes */
  sessionLifetimeMs?: number;
  /** Fault for the n-th stream request (1-based). */
  streamFault?: (n: number) => StreamFault;
  /** Fault for the n-th session request (1-based); 'expire-session' does not apply. */
  sessionFault?: (n: number) => StreamFault;
  /** Batches holding an event with one of these names are refused (400 no_meter), as Stripe refuses unknown meters. */
  unknownEventNames?: string[];
  /** Delay before answering each stream request. @unit milliseconds */
  streamDelayMs?: number;
  /** How long 'slow' answers wait. @unit milliseconds @default 2000 */
  slowMs?: number;
  /** Tokens (token -> expiry) shared with another server: one issues them, the other takes them. */
  tokens?: Map<string, number>;
}

export interface MeterEventsState {
  /** identifier -> times accepted (1 unless the server double-counted) */
  events: Map<string, number>;
  duplicatesDropped: number;
  streamRequests: number;
  /** Stream requests answered 200. */
  acceptedBatches: number;
  v1Requests: number;
  sessionRequests: number;
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

let tokenSerial = 0;

export async function startMeterEventsServer(options: MeterEventsServerOptions = {}) {
  const lifetime = options.sessionLifetimeMs ?? 15 * 60_000;
  const slowMs = options.slowMs ?? 2000;
  const unknown = new Set(options.unknownEventNames ?? []);
  const tokens = options.tokens ?? new Map<string, number>();
  const state: MeterEventsState = {
    events: new Map(),
    duplicatesDropped: 0,
    streamRequests: 0,
    acceptedBatches: 0,
    v1Requests: 0,
    sessionRequests: 0,
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
  const count = (fault: StreamFault) => {
    const name = typeof fault === 'string' ? fault : String(fault.status);
    state.faults[name] = (state.faults[name] ?? 0) + 1;
  };
  /** Applies a fault that answers instead of the endpoint; true when it did. */
  const answered = (req: IncomingMessage, res: ServerResponse, fault: StreamFault): boolean => {
    if (fault === 'reset-before') req.socket.destroy();
    else if (fault === 'hang') return true;
    else if (typeof fault === 'object') json(res, fault.status, { error: { type: 'api_error', code: 'injected', message: `injected ${fault.status}` } }, fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter });
    else return false;
    return true;
  };
  /** Answers 200 with `body`, or breaks the answer as the fault says (after the work was done). */
  const reply = (req: IncomingMessage, res: ServerResponse, fault: StreamFault, body: unknown) => {
    if (fault === 'reset-after') req.socket.destroy();
    else if (fault === 'hang-after') return;
    else if (fault === 'cut-body') {
      const text = JSON.stringify(body);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(text.length + 20) });
      res.write(text.slice(0, Math.max(1, text.length - 1)));
      setTimeout(() => req.socket.destroy(), 2);
    } else if (fault === 'slow') setTimeout(() => json(res, 200, body), slowMs);
    else json(res, 200, body);
  };

  async function session(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const fault = options.sessionFault?.(++state.sessionRequests) ?? 'none';
    count(fault);
    if (answered(req, res, fault)) return;
    await readBody(req);
    state.sessionCreationsInFlight++;
    state.maxConcurrentSessionCreations = Math.max(state.maxConcurrentSessionCreations, state.sessionCreationsInFlight);
    await new Promise((r) => setTimeout(r, 2));
    state.sessionCreationsInFlight--;
    const created = Date.now();
    const token = `mes_tok_${++tokenSerial}_${Math.random().toString(36).slice(2)}`;
    state.sessionsCreated++;
    tokens.set(token, created + lifetime);
    reply(req, res, fault, {
      id: `mes_${state.sessionsCreated}`,
      object: 'v2.billing.meter_event_session',
      authentication_token: token,
      created: new Date(created).toISOString(),
      expires_at: new Date(created + lifetime).toISOString(),
      livemode: false,
    });
  }

  async function stream(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const fault = options.streamFault?.(++state.streamRequests) ?? 'none';
    count(fault);
    if (answered(req, res, fault)) return;
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
    const { events } = JSON.parse(body) as { events: Array<{ event_name: string; identifier: string }> };
    const bad = events.find((e) => unknown.has(e.event_name));
    if (bad !== undefined) {
      json(res, 400, { error: { type: 'invalid_request_error', code: 'no_meter', message: `No active meter for event_name ${bad.event_name}` } });
      return;
    }
    for (const e of events) accept(e.identifier);
    if (options.streamDelayMs !== undefined) await new Promise((r) => setTimeout(r, options.streamDelayMs));
    if (fault === 'none') state.acceptedBatches++;
    reply(req, res, fault, {});
  }

  async function v1Event(req: IncomingMessage, res: ServerResponse): Promise<void> {
    state.v1Requests++;
    const form = new URLSearchParams(await readBody(req));
    const identifier = form.get('identifier') ?? `gen_${state.v1Requests}`;
    accept(identifier);
    json(res, 200, { object: 'billing.meter_event', created: 1, event_name: form.get('event_name'), identifier, livemode: false, payload: {}, timestamp: 1 });
  }

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const handle =
      path === '/v2/billing/meter_event_session'
        ? session(req, res)
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
  const listening = await listenOnLoopback(server);

  /** Refuses connections (the port closed, open sockets dropped) for `ms`, then listens again on the same port. */
  async function refuse(ms: number): Promise<void> {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise((r) => setTimeout(r, ms));
    await new Promise<void>((resolve) => server.listen(listening.port, '127.0.0.1', resolve));
  }
  return { ...listening, state, tokens, refuse };
}
