// The dashboard over HTTP: the page at `/`, its script and styles, uPlot served from the uplot
// package (a dependency of the server only; nothing the library's entry imports), and a
// server-sent event stream at /_emulator/live that pushes the feed, the request log and "something
// changed" at most four times a second.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { DASHBOARD_CSS, DASHBOARD_HTML, DASHBOARD_JS } from './dashboard-page.js';
import type { Emulator } from './emulator.js';
import type { FeedItem } from './feed.js';
import type { RequestRecord } from './request-log.js';

const FLUSH_MS = 250;
/** Items pushed per flush at most: a stream at full speed shows its latest events, not all. */
const MAX_PUSH = 100;

function uplotFile(name: string): string | undefined {
  try {
    return readFileSync(createRequire(import.meta.url).resolve(`uplot/dist/${name}`), 'utf8');
  } catch {
    return undefined;
  }
}

const ASSETS: Record<string, { type: string; body: () => string | undefined }> = {
  '/': { type: 'text/html; charset=utf-8', body: () => DASHBOARD_HTML },
  '/_emulator/dashboard/app.js': { type: 'text/javascript; charset=utf-8', body: () => DASHBOARD_JS },
  '/_emulator/dashboard/app.css': { type: 'text/css; charset=utf-8', body: () => DASHBOARD_CSS },
  '/_emulator/dashboard/uplot.js': { type: 'text/javascript; charset=utf-8', body: () => uplotFile('uPlot.iife.min.js') },
  '/_emulator/dashboard/uplot.css': { type: 'text/css; charset=utf-8', body: () => uplotFile('uPlot.min.css') },
};

const strip = ({ headers: _h, body: _b, ...record }: RequestRecord) => record;

export function serveDashboard(emulator: Emulator) {
  const clients = new Set<ServerResponse>();
  let feed: FeedItem[] = [];
  let requests: Array<Omit<RequestRecord, 'headers' | 'body'>> = [];
  let changed = false;
  // Subscribed only while a page is open: with nobody watching, the feed and the log cost nothing more.
  let unsubscribe: Array<() => void> = [];
  const watch = () => {
    unsubscribe = [
      emulator.onFeed((items) => {
        feed.push(...items);
        if (feed.length > MAX_PUSH) feed = feed.slice(-MAX_PUSH);
        changed = true;
      }),
      emulator.onRequest((record) => {
        requests.push(strip(record));
        if (requests.length > MAX_PUSH) requests = requests.slice(-MAX_PUSH);
        if (record.method === 'POST') changed = true;
      }),
    ];
  };
  const unwatch = () => {
    for (const stop of unsubscribe) stop();
    unsubscribe = [];
    feed = [];
    requests = [];
  };
  const send = (event: string, data: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of clients) client.write(frame);
  };
  let lastNow = emulator.clock.now();
  const timer = setInterval(() => {
    if (clients.size === 0) return;
    if (feed.length > 0) send('feed', feed);
    if (requests.length > 0) send('requests', requests);
    const now = emulator.clock.now();
    if (changed || now !== lastNow) send('change', { now });
    feed = [];
    requests = [];
    changed = false;
    lastNow = now;
  }, FLUSH_MS);
  timer.unref();

  return {
    /** Answers the dashboard's own requests; false for every other request. */
    handles(req: IncomingMessage, res: ServerResponse): boolean {
      if (req.method !== 'GET') return false;
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (path === '/_emulator/live') {
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
        res.write(`retry: 1000\nevent: change\ndata: ${JSON.stringify({ now: emulator.clock.now() })}\n\n`);
        if (clients.size === 0) watch();
        clients.add(res);
        req.on('close', () => {
          clients.delete(res);
          if (clients.size === 0) unwatch();
        });
        return true;
      }
      const asset = ASSETS[path];
      if (asset === undefined) return false;
      const body = asset.body();
      if (body === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('The uplot package is not installed.');
        return true;
      }
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' }).end(body);
      return true;
    },
    close(): void {
      clearInterval(timer);
      unwatch();
      for (const client of clients) client.end();
      clients.clear();
    },
  };
}
