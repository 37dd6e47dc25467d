// A loopback server that fails on purpose and stores what it accepts the way Stripe does: a
// repeated Idempotency-Key replays the stored answer; a repeated meter event identifier is refused
// as Stripe refuses it (v1: 400 with no code, "An event already exists with identifier <id>." and
// Stripe-Should-Retry: false; v2: 400 duplicate_meter_event). Each attempt's fault comes from `plan`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from '../scripts/loopback.js';
import { METER } from './helpers.js';

export type Fault =
  | 'none'
  /** Drop the connection before reading the request: nothing happened. */
  | 'reset-before'
  /** Process the request, then drop the connection: it landed, but the client sees a failure. */
  | 'reset-after'
  /** Process the request, then answer only after `slowMs` (longer than the client's timeout). */
  | 'slow'
  /** Process the request, then send the status line and half the body, and drop the connection. */
  | 'cut-body'
  /** Process the request, then send the status line and half the body, and stall for `slowMs`. */
  | 'stall-body'
  /** Process the request, then answer 200 with an HTML page (a proxy's). */
  | 'not-json'
  /** Answer 503 without processing, sending half of the body and then nothing for `slowMs`. */
  | 'stall-error'
  /** Answer 302 to another path, without processing. */
  | 'redirect'
  /** Answer this status without processing. */
  | { status: number; retryAfter?: string; shouldRetry?: 'true' | 'false' };

export interface AttemptInfo {
  /** 1-based count of all requests the server has seen. */
  n: number;
  method: string;
  path: string;
  idempotencyKey: string | undefined;
  /** 1 for the first request with this Idempotency-Key. */
  attemptForKey: number;
}

interface Stored {
  status: number;
  body: string;
  headers?: Record<string, string>;
  /** The request body the answer was stored for (Stripe compares a replay's params with it). */
  request?: string;
}

export async function startFaultServer(plan: (info: AttemptInfo) => Fault = () => 'none', slowMs = 250) {
  let n = 0;
  const attemptsByKey = new Map<string, number>();
  const bodiesByKey = new Map<string, string[]>();
  const replies = new Map<string, Stored>();
  /** identifier -> how many times the event was counted */
  const events = new Map<string, number>();
  const faults: Record<string, number> = {};

  function record(identifier: string, event: Record<string, unknown>, v2: boolean): Stored {
    if (events.has(identifier)) {
      const error = v2
        ? { type: 'invalid_request_error', code: 'duplicate_meter_event', message: 'A meter event with a duplicate identifier has already been submitted.' }
        : { type: 'invalid_request_error', message: `An event already exists with identifier ${identifier}.` };
      return { status: 400, body: JSON.stringify({ error }), headers: v2 ? {} : { 'stripe-should-retry': 'false' } };
    }
    events.set(identifier, 1);
    return { status: 200, body: JSON.stringify(event) };
  }

  function handle(req: IncomingMessage, body: string): Stored {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && url.pathname === '/v1/billing/meter_events') {
      const form = new URLSearchParams(body);
      const identifier = form.get('identifier') ?? `gen_${events.size}`;
      const payload = Object.fromEntries([...form].filter(([k]) => k.startsWith('payload[')).map(([k, v]) => [k.slice(8, -1), v]));
      return record(identifier, { object: 'billing.meter_event', created: 1, event_name: form.get('event_name'), identifier, livemode: false, payload, timestamp: Number(form.get('timestamp') ?? 1) }, false);
    }
    if (req.method === 'POST' && url.pathname === '/v2/billing/meter_events') {
      const event = JSON.parse(body) as { identifier: string };
      return record(event.identifier, { object: 'v2.billing.meter_event', created: new Date().toISOString(), livemode: false, ...event }, true);
    }
    return { status: 200, body: JSON.stringify(METER) };
  }

  function send(res: ServerResponse, reply: Stored, extra: Record<string, string> = {}): void {
    res.writeHead(reply.status, { 'content-type': 'application/json', 'request-id': `req_${n}`, ...reply.headers, ...extra });
    res.end(reply.body);
  }

  /** The status line and half the body, with a Content-Length for all of it. */
  function sendHalf(res: ServerResponse, reply: Stored): void {
    res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(reply.body)), ...reply.headers });
    res.write(reply.body.slice(0, Math.floor(reply.body.length / 2)));
  }

  const server = createServer((req, res) => {
    n++;
    const key = req.headers['idempotency-key'] as string | undefined;
    const attemptForKey = key === undefined ? 1 : (attemptsByKey.get(key) ?? 0) + 1;
    if (key !== undefined) attemptsByKey.set(key, attemptForKey);
    const fault = plan({ n, method: req.method ?? '', path: new URL(req.url ?? '/', 'http://x').pathname, idempotencyKey: key, attemptForKey });
    const name = typeof fault === 'string' ? fault : String(fault.status);
    faults[name] = (faults[name] ?? 0) + 1;
    if (fault === 'reset-before') {
      req.socket.destroy();
      return;
    }
    if (fault === 'redirect') {
      res.writeHead(302, { location: '/v1/billing/meters/redirected', 'content-type': 'text/html' }).end('<a href="/v1/billing/meters/redirected">moved</a>');
      return;
    }
    if (fault === 'stall-error') {
      sendHalf(res, { status: 503, body: JSON.stringify({ error: { type: 'api_error', message: 'injected 503 with a stalled body' } }) });
      setTimeout(() => req.socket.destroy(), slowMs);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (key !== undefined) bodiesByKey.set(key, [...(bodiesByKey.get(key) ?? []), body]);
      if (typeof fault === 'object') {
        const headers: Record<string, string> = {};
        if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
        if (fault.shouldRetry !== undefined) headers['stripe-should-retry'] = fault.shouldRetry;
        const type = fault.status === 409 ? 'idempotency_error' : fault.status === 429 ? 'invalid_request_error' : 'api_error';
        send(res, { status: fault.status, body: JSON.stringify({ error: { type, message: `injected ${fault.status}` } }) }, headers);
        return;
      }
      const stored = key === undefined ? undefined : replies.get(key);
      const mismatch = stored !== undefined && stored.request !== body;
      const reply = mismatch
        ? { status: 400, body: JSON.stringify({ error: { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' } }) }
        : (stored ?? { ...handle(req, body), request: body });
      if (key !== undefined && stored === undefined) replies.set(key, reply);
      if (fault === 'reset-after') req.socket.destroy();
      else if (fault === 'slow') setTimeout(() => send(res, reply), slowMs);
      else if (fault === 'cut-body') {
        sendHalf(res, reply);
        setTimeout(() => req.socket.destroy(), 5);
      } else if (fault === 'stall-body') {
        sendHalf(res, reply);
        setTimeout(() => req.socket.destroy(), slowMs);
      } else if (fault === 'not-json') res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>upstream hiccup</body></html>');
      else send(res, reply, stored === undefined ? {} : { 'idempotent-replayed': 'true' });
    });
  });
  return { ...(await listenOnLoopback(server)), events, attemptsByKey, bodiesByKey, faults, requests: () => n };
}

/** A small deterministic PRNG (the emulator's), so a fault mix is the same on every run. */
export { generator as seeded } from '../src/emulator/faults.js';
