// One attempt through node:http / node:https with the process's keep-alive agents: Node's built-in
// fetch costs several times more CPU per request (WHATWG streams, headers and signals), and
// nothing of that is needed for small JSON bodies read whole. No AbortController per attempt: a
// timeout or the caller's abort destroys the request directly. node:https (and with it TLS, about
// 10 ms of start-up) is loaded by the first request to an https origin, not by the import: a
// process that only talks to a local emulator, or never calls, does not pay for it.
import { Agent as HttpAgent, request as httpRequest, type RequestOptions } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { Socket } from 'node:net';
import { AttemptFailure, type Answer, type Outgoing, type SendAttempt } from './attempt.js';

/**
 * The answer's headers, lower-case names, every value a string (repeats joined), from the raw pairs.
 * Node's own `headers` differs (it keeps the first of some repeated headers, and set-cookie as an
 * array); its agent builds that object too when it keeps the socket (for the Keep-Alive hint).
 */
function headerRecord(raw: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    out[name] = out[name] === undefined ? value : `${out[name]}, ${value}`;
  }
  return out;
}

interface Origin {
  /** Undefined until node:https has loaded (`ready`). */
  send: typeof httpRequest | undefined;
  ready: Promise<void> | undefined;
  options: RequestOptions;
}

/** How long a socket may sit idle in the pool. @unit milliseconds */
export const IDLE_SOCKET_MS = 30_000;
/** A server's Keep-Alive hint, taken this much early: a request must not meet a socket it is closing. */
const HINT_MARGIN_MS = 1_000;

// The Keep-Alive hint of each socket's last answer, read by the agent when the socket goes idle.
const hints = new WeakMap<Socket, number>();

// A server sends the same hint on every answer: read each distinct one once.
let lastHeader: string | undefined;
let lastHint: number | undefined;

/** Records the Keep-Alive hint of an answer (`timeout=5`) for its socket. */
function noteHint(socket: Socket, header: string | undefined): void {
  if (header !== lastHeader) {
    const seconds = header === undefined ? undefined : /(?:^|,)\s*timeout=(\d+)/i.exec(header)?.[1];
    lastHeader = header;
    lastHint = seconds === undefined ? undefined : Number(seconds) * 1000 - HINT_MARGIN_MS;
  }
  if (lastHint === undefined) hints.delete(socket);
  else hints.set(socket, lastHint);
}

/**
 * Makes `agent`'s sockets time out only while idle in the pool: after IDLE_SOCKET_MS, or before
 * the server's own Keep-Alive hint runs out. Node's `timeout` agent option would do the same, but
 * it also keeps a timer running under every request, refreshed on every read and write, with a
 * listener added and removed per request (about 4% of the bare node:http floor's CPU per request
 * in `npm run bench`'s setting, median of 8 interleaved rounds). Both hooks are Node's documented
 * points of override.
 */
export function idleTimeouts<A extends HttpAgent>(agent: A): A {
  const keep = agent.keepSocketAlive.bind(agent);
  const reuse = agent.reuseSocket.bind(agent);
  agent.keepSocketAlive = (socket) => {
    // Node's verdict (false when the hint leaves no time to reuse the socket) is passed on.
    const kept = keep(socket);
    if (socket instanceof Socket) socket.setTimeout(Math.min(hints.get(socket) ?? IDLE_SOCKET_MS, IDLE_SOCKET_MS));
    return kept;
  };
  agent.reuseSocket = (socket, request) => {
    reuse(socket, request);
    if (socket instanceof Socket) socket.setTimeout(0);
  };
  return agent;
}

// One pair of agents for the process, as the official package does: many short-lived clients (one
// per account key) share their idle sockets instead of each keeping its own.
const AGENT_OPTIONS = { keepAlive: true };
let httpAgent: HttpAgent | undefined;
let https: Promise<{ send: typeof httpRequest; agent: HttpsAgent }> | undefined;

function loadHttps(): Promise<{ send: typeof httpRequest; agent: HttpsAgent }> {
  https ??= import('node:https').then((m) => ({ send: m.request, agent: idleTimeouts(new m.Agent(AGENT_OPTIONS)) }));
  return https;
}

/** The process's keep-alive agent for http origins. */
export function sharedHttpAgent(): HttpAgent {
  httpAgent ??= idleTimeouts(new HttpAgent(AGENT_OPTIONS));
  return httpAgent;
}

export function httpAttempt(): SendAttempt {
  const agent = sharedHttpAgent();
  // A client talks to one or two origins: parse each once, not the whole URL on every request.
  const origins = new Map<string, Origin>();
  const originOf = (url: string): { origin: Origin; path: string } => {
    const end = url.indexOf('/', url.indexOf('//') + 2);
    const key = end === -1 ? url : url.slice(0, end);
    let origin = origins.get(key);
    if (origin === undefined) {
      const { protocol, hostname, port } = new URL(key);
      const secure = protocol === 'https:';
      const options: RequestOptions = { protocol, hostname: hostname.replace(/^\[|\]$/g, ''), port: port === '' ? (secure ? 443 : 80) : Number(port), agent };
      const made: Origin = { send: secure ? undefined : httpRequest, ready: undefined, options };
      if (secure) {
        made.ready = loadHttps().then((tls) => {
          made.send = tls.send;
          options.agent = tls.agent;
        });
      }
      origin = made;
      origins.set(key, origin);
    }
    return { origin, path: end === -1 ? '/' : url.slice(end) };
  };
  return (out, timeoutMs, signal) => {
    const { origin, path } = originOf(out.url);
    if (origin.send !== undefined) return attempt(origin.send, origin.options, path, out, timeoutMs, signal);
    return (origin.ready as Promise<void>).then(() => {
      if (signal?.aborted) throw signal.reason;
      return attempt(origin.send as typeof httpRequest, origin.options, path, out, timeoutMs, signal);
    });
  };
}

function attempt(send: typeof httpRequest, options: RequestOptions, path: string, out: Outgoing, timeoutMs: number, signal: AbortSignal | undefined): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const { protocol, hostname, port, agent } = options;
    const req = send({ protocol, hostname, port, agent, path, method: out.method, headers: out.headers });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const onAbort = () => req.destroy(signal?.reason as Error);
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const failure = (error: unknown, whileReading: boolean) => (signal?.aborted ? signal.reason : new AttemptFailure(timedOut, whileReading, error));
    req.on('error', (error) => {
      done();
      reject(failure(error, false));
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const headers = headerRecord(res.rawHeaders);
      noteHint(res.socket, headers['keep-alive']);
      // A 2xx is always read whole: it resolves once its body is complete. Any other answer
      // resolves at once, so that one that will be retried can be dropped unread; its body is
      // read from the start (it is small), and one that breaks off before read() is kept.
      const whole = status >= 200 && status < 300;
      let text = '';
      let outcome: { text: string } | { error: unknown } | undefined;
      let waiting: { resolve: (text: string) => void; reject: (error: unknown) => void } | undefined;
      const settle = (result: { text: string } | { error: unknown }) => {
        if (outcome !== undefined) return;
        done();
        outcome = result;
        if (whole) {
          if ('text' in result) resolve({ status, headers, text: result.text, read: () => Promise.resolve(result.text), discard: () => undefined });
          else reject(result.error);
        } else if (waiting !== undefined) {
          if ('text' in result) waiting.resolve(result.text);
          else waiting.reject(result.error);
        }
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => settle({ text }));
      res.on('error', (error) => settle({ error: failure(error, true) }));
      res.on('close', () => {
        if (!res.complete) settle({ error: failure(new Error('the connection closed before the whole answer arrived'), true) });
      });
      if (whole) return;
      resolve({
        status,
        headers,
        read: () => {
          if (outcome !== undefined) return 'text' in outcome ? Promise.resolve(outcome.text) : Promise.reject(outcome.error as Error);
          return new Promise<string>((ok, fail) => (waiting = { resolve: ok, reject: fail }));
        },
        discard: () => {
          if (outcome !== undefined) return;
          outcome = { text: '' };
          done();
          res.destroy();
        },
      });
    });
    req.end(out.body);
  });
}
