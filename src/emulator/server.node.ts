// stripe-meters/emulator/server: the emulator over HTTP (Node only). One port serves the API host
// and the meter-events host; injected resets destroy the socket.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmulatorAnswer } from './core.js';
import { createEmulator, type Emulator } from './emulator.js';
import type { EmulatorOptions } from './options.js';

export interface ServeEmulatorOptions extends EmulatorOptions {
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number;
  /** Address to listen on. @default "127.0.0.1" */
  host?: string;
  /** Serve this emulator instead of creating one from the other options. */
  emulator?: Emulator;
}

export interface RunningEmulator {
  /** `http://host:port`, to give to a client as its base URL (and meter-events base URL). */
  url: string;
  port: number;
  host: string;
  emulator: Emulator;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function respond(emulator: Emulator, req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  // A client that hangs up mid-body is no error of the server's.
  req.on('error', () => req.socket.destroy());
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
    let answer: EmulatorAnswer;
    try {
      answer = emulator.answer({ method: req.method ?? 'GET', url: req.url ?? '/', header: (name) => header(req, name), body });
    } catch (error) {
      // A bug of the emulator's, not the client's: say so instead of hanging up.
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { type: 'api_error', message: `stripe-meters emulator failed: ${String(error)}` } }));
      return;
    }
    if (answer.reset !== undefined) {
      req.socket.destroy();
      return;
    }
    res.writeHead(answer.status, answer.headers).end(answer.body);
  });
}

/** Serves an emulator over HTTP until close() is called. */
export async function serveEmulator(options: ServeEmulatorOptions = {}): Promise<RunningEmulator> {
  const { port = 0, host = '127.0.0.1', emulator: given, ...emulatorOptions } = options;
  const emulator = given ?? createEmulator(emulatorOptions);
  const server = createServer((req, res) => respond(emulator, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    port: address.port,
    host: address.address,
    emulator,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
