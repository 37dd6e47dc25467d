// A loopback HTTP server that records every request and answers like Stripe would (shape only).
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { listenOnLoopback } from '../scripts/loopback.js';
import { METER } from './helpers.js';

export interface RecordedRequest {
  method: string;
  path: string;
  /** The request target as sent, query included. */
  rawPath: string;
  query: Array<[string, string]>;
  body: string;
  headers: IncomingHttpHeaders;
}

function answerFor(path: string): unknown {
  if (path.endsWith('/event_summaries') || path === '/v1/billing/meters') return { object: 'list', data: [], has_more: false, url: path };
  if (path === '/v1/billing/meter_events') return { object: 'billing.meter_event', identifier: 'x', payload: {} };
  if (path === '/v1/billing/meter_event_adjustments') return { object: 'billing.meter_event_adjustment' };
  if (path.startsWith('/v2/billing/meter_event_session')) {
    return { id: 's', object: 'v2.billing.meter_event_session', authentication_token: 'mes_tok_recorded', created: new Date().toISOString(), expires_at: new Date(Date.now() + 900_000).toISOString(), livemode: false };
  }
  if (path.startsWith('/v2/')) return {};
  return METER;
}

export async function startRecordingServer() {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      requests.push({
        method: req.method ?? '',
        path: url.pathname,
        rawPath: req.url ?? '',
        query: [...url.searchParams],
        body: Buffer.concat(chunks).toString('utf8'),
        headers: req.headers,
      });
      const missing = url.pathname.endsWith('/missing');
      res.writeHead(missing ? 404 : 200, { 'content-type': 'application/json', 'request-id': `req_${requests.length}` });
      res.end(JSON.stringify(missing ? { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such meter' } } : answerFor(url.pathname)));
    });
  });
  return { ...(await listenOnLoopback(server)), requests };
}
