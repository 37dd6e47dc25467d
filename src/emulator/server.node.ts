// stripe-meters/emulator/server: the emulator over HTTP (Node only). One port serves the API host
// and the meter-events host; injected faults are carried out on the socket (dropped, hung, late,
// cut or stalled); a body over the limit is refused with 413 while it is read, never buffered.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmulatorAnswer, EmulatorRequest } from './core.js';
import { serveDashboard } from './dashboard.node.js';
import { createEmulator, type Emulator } from './emulator.js';
import type { EmulatorOptions } from './options.js';
import { loadStateFile, persistence, STATE_FILE } from './state-file.node.js';

export interface ServeEmulatorOptions extends EmulatorOptions {
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number;
  /** Address to listen on. @default "127.0.0.1" */
  host?: string;
  /** Serve this emulator instead of creating one from the other options. */
  emulator?: Emulator;
  /** The largest request body taken; a larger one is answered 413 as soon as it is seen. @unit bytes @default 1048576 */
  bodyLimitBytes?: number;
  /** The largest state `POST /_emulator/state` takes. @unit bytes @default 268435456 */
  stateLimitBytes?: number;
  /**
   * A directory to keep the state in (`state.json`): loaded at start, saved atomically within
   * `saveIntervalMs` of a change, on `POST /_emulator/save` and on close(). @default none (in memory only)
   */
  dataDir?: string;
  /** How soon after a change the state is saved (with `dataDir`). @unit milliseconds @default 1000 */
  saveIntervalMs?: number;
  /** Serve the dashboard at `/`. @default true */
  dashboard?: boolean;
}

export interface RunningEmulator {
  /** `http://host:port`, to give to a client as its base URL (and meter-events base URL). */
  url: string;
  port: number;
  host: string;
  emulator: Emulator;
  /** Stops listening and drops open connections: clients see connections refused until resume(). */
  pause(): Promise<void>;
  /** Listens again on the same port after pause(). */
  resume(): Promise<void>;
  /** The dashboard's URL (undefined when it is off). */
  dashboardUrl: string | undefined;
  /** Saves the state now (with `dataDir`); resolves once it is on disk. */
  save(): Promise<void>;
  /** Stops listening and drops open connections (saving the state first, with `dataDir`). */
  close(): Promise<void>;
}

export const DEFAULT_BODY_LIMIT_BYTES = 1 << 20;

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function allHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

/** How long a refused connection stays open for its client to read the 413. @unit milliseconds */
const LINGER_MS = 1000;

function tooLarge(res: ServerResponse, req: IncomingMessage, limit: number): void {
  const message = `The request body is larger than the emulator takes (${limit} bytes).`;
  // v1 and v2 errors share this shape: type, code and message.
  const body = JSON.stringify({ error: { type: 'invalid_request_error', code: 'request_too_large', message } });
  // The rest of the body is never read: reading stops here, and the connection closes once the
  // answer is out. Closed at once, a socket with unread bytes is reset, and the reset can reach
  // the client before it has read the 413; so the server only ends its side (FIN) and lets the
  // client read the answer, then drops the connection after LINGER_MS.
  req.pause();
  const { socket } = req;
  socket.destroySoon = () => {
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
  res.shouldKeepAlive = false;
  res.writeHead(413, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), connection: 'close' });
  res.end(body);
}

/** Carries out the answer, as its delivery (if a fault set one) says. */
function deliver(answer: EmulatorAnswer, req: IncomingMessage, res: ServerResponse): void {
  const { delivery } = answer;
  if (delivery === undefined) {
    res.writeHead(answer.status, answer.headers).end(answer.body);
    return;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  res.once('close', () => clearTimeout(timer));
  switch (delivery.kind) {
    case 'reset':
      req.socket.destroy();
      return;
    case 'hang':
      return;
    case 'delay':
      timer = setTimeout(() => res.writeHead(answer.status, answer.headers).end(answer.body), delivery.ms);
      return;
    case 'cut':
    case 'stall': {
      const bytes = Buffer.from(answer.body, 'utf8');
      res.writeHead(answer.status, { ...answer.headers, 'content-length': String(bytes.length) });
      const drop = () => req.socket.destroy();
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => {
        // Let the half body reach the client before the connection drops.
        timer = setTimeout(drop, delivery.kind === 'stall' ? delivery.ms : 5);
      });
      return;
    }
  }
}

function respond(emulator: Emulator, limits: { body: number; state: number }, req: IncomingMessage, res: ServerResponse): void {
  // A client that hangs up mid-body is no error of the server's.
  req.on('error', () => req.socket.destroy());
  const limit = req.url === '/_emulator/state' ? limits.state : limits.body;
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    tooLarge(res, req, limit);
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    if (refused) return;
    size += chunk.length;
    if (size > limit) {
      refused = true;
      chunks.length = 0;
      tooLarge(res, req, limit);
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (refused) return;
    const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    const request: EmulatorRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      header: (name) => header(req, name),
      body: bytes.toString('utf8'),
      bytes,
      headers: () => allHeaders(req),
    };
    let answer: EmulatorAnswer;
    try {
      answer = emulator.answer(request);
    } catch (error) {
      // A bug of the emulator's, not the client's: say so instead of hanging up.
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { type: 'api_error', message: `stripe-meters emulator failed: ${String(error)}` } }));
      return;
    }
    if (answer.later === undefined) deliver(answer, req, res);
    else answer.later.then((settled) => deliver(settled, req, res), () => res.destroy());
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Serves an emulator over HTTP until close() is called. */
export async function serveEmulator(options: ServeEmulatorOptions = {}): Promise<RunningEmulator> {
  const {
    port = 0,
    host = '127.0.0.1',
    emulator: given,
    bodyLimitBytes = DEFAULT_BODY_LIMIT_BYTES,
    stateLimitBytes = 256 * 1024 * 1024,
    dataDir,
    saveIntervalMs = 1000,
    dashboard = true,
    ...emulatorOptions
  } = options;
  for (const [name, value] of [['bodyLimitBytes', bodyLimitBytes], ['stateLimitBytes', stateLimitBytes], ['saveIntervalMs', saveIntervalMs]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number, 1 or more, got ${String(value)}`);
  }
  const emulator = given ?? createEmulator(emulatorOptions);
  if (dataDir !== undefined) {
    const saved = loadStateFile(dataDir);
    if (saved !== undefined) {
      try {
        emulator.importState(saved);
      } catch (error) {
        throw new Error(`${dataDir}/${STATE_FILE} could not be loaded: ${(error as Error).message}`);
      }
    }
  }
  const persisted = dataDir === undefined ? undefined : persistence(emulator, dataDir, saveIntervalMs);
  const limits = { body: bodyLimitBytes, state: stateLimitBytes };
  const board = dashboard ? serveDashboard(emulator) : undefined;
  const server = createServer((req, res) => {
    if (req.url === '/_emulator/save' && req.method === 'POST') {
      if (persisted === undefined) json(res, 400, { error: { type: 'invalid_request_error', message: 'The emulator keeps no state on disk: start it with --data DIR (dataDir).' } });
      else persisted.save().then(() => json(res, 200, { saved: true }), (error: unknown) => json(res, 500, { error: { type: 'api_error', message: `The state could not be saved: ${String(error)}` } }));
      return;
    }
    if (board?.handles(req, res) === true) return;
    respond(emulator, limits, req, res);
  });
  // Thin events: emitted once their window closes, deliveries retried when due.
  const ticker = setInterval(() => void emulator.tick().catch(() => undefined), 1000);
  ticker.unref();
  server.keepAliveTimeout = 60_000;
  const listen = (at: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  await listen(port);
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shown}:${address.port}`;
  return {
    url,
    port: address.port,
    host: address.address,
    emulator,
    dashboardUrl: board === undefined ? undefined : `${url}/`,
    pause: stop,
    resume: () => listen(address.port),
    save: () => persisted?.save() ?? Promise.resolve(),
    close: async () => {
      clearInterval(ticker);
      board?.close();
      if (server.listening) await stop();
      await persisted?.stop();
    },
  };
}
