// One attempt through node:http / node:https with a keep-alive agent per client: Node's built-in
// fetch costs several times more CPU per request (WHATWG streams, headers and signals), and
// nothing of that is needed for small JSON bodies read whole. No AbortController per attempt: a
// timeout or the caller's abort destroys the request directly. The attempt settles once the
// whole answer is in (or has failed): one promise per attempt.
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { AttemptFailure, type Answer, type SendAttempt } from './transport.js';

function headerRecord(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) out[name] = typeof value === 'string' ? value : value.join(', ');
  }
  return out;
}

interface Origin {
  send: typeof httpRequest;
  options: RequestOptions;
}

const nothing = () => undefined;

export function httpAttempt(): SendAttempt {
  const http = new HttpAgent({ keepAlive: true });
  const https = new HttpsAgent({ keepAlive: true });
  // A client talks to one or two origins: parse each once, not the whole URL on every request.
  const origins = new Map<string, Origin>();
  const originOf = (url: string): { origin: Origin; path: string } => {
    const end = url.indexOf('/', url.indexOf('//') + 2);
    const key = end === -1 ? url : url.slice(0, end);
    let origin = origins.get(key);
    if (origin === undefined) {
      const { protocol, hostname, port } = new URL(key);
      const secure = protocol === 'https:';
      origin = { send: secure ? httpsRequest : httpRequest, options: { protocol, hostname: hostname.replace(/^\[|\]$/g, ''), port: port === '' ? (secure ? 443 : 80) : Number(port), agent: secure ? https : http } };
      origins.set(key, origin);
    }
    return { origin, path: end === -1 ? '/' : url.slice(end) };
  };
  return (request, timeoutMs, signal) =>
    new Promise<Answer>((resolve, reject) => {
      const { origin, path } = originOf(request.url);
      const req = origin.send({ ...origin.options, path, method: request.method, headers: request.headers });
      let timedOut = false;
      let answered = false;
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy(new Error(`timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      const onAbort = () => req.destroy(signal?.reason as Error);
      signal?.addEventListener('abort', onAbort, { once: true });
      const fail = (error: unknown) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        reject(signal?.aborted ? signal.reason : new AttemptFailure(timedOut, answered, error));
      };
      req.on('error', fail);
      req.on('response', (res) => {
        answered = true;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          const body = text;
          resolve({ status: res.statusCode ?? 0, headers: headerRecord(res.headers), text: body, read: () => Promise.resolve(body), discard: nothing });
        });
        // A body that breaks off: 'error' or a 'close' before 'end' (then res.complete is false).
        res.on('error', fail);
        res.on('close', () => {
          if (!res.complete) fail(new Error('the connection closed before the whole answer arrived'));
        });
      });
      req.end(request.body);
    });
}
