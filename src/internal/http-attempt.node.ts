// One attempt through node:http / node:https with a keep-alive agent per client: Node's built-in
// fetch costs several times more CPU per request (WHATWG streams, headers and signals), and
// nothing of that is needed for small JSON bodies read whole. No AbortController per attempt: a
// timeout or the caller's abort destroys the request directly.
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
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

export function httpAttempt(): SendAttempt {
  const http = new HttpAgent({ keepAlive: true });
  const https = new HttpsAgent({ keepAlive: true });
  return (request, timeoutMs, signal) =>
    new Promise<Answer>((resolve, reject) => {
      const secure = request.url.startsWith('https:');
      const req = (secure ? httpsRequest : httpRequest)(request.url, { method: request.method, headers: request.headers, agent: secure ? https : http });
      let timedOut = false;
      let response: IncomingMessage | undefined;
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
        if (response !== undefined) return; // the body's own handlers below report it
        done();
        reject(failure(error, false));
      });
      req.on('response', (res) => {
        response = res;
        // Read from the start, so that a body that breaks off before read() is called is not an
        // unhandled 'error' event; bodies are small.
        const body = new Promise<string>((ok, fail) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            done();
            ok(text);
          });
          res.on('error', (error) => {
            done();
            fail(failure(error, true));
          });
          res.on('close', () => {
            if (res.complete) return;
            done();
            fail(failure(new Error('the connection closed before the whole answer arrived'), true));
          });
        });
        body.catch(() => undefined);
        resolve({
          status: res.statusCode ?? 0,
          headers: headerRecord(res.headers),
          read: () => body,
          discard: () => {
            done();
            if (!res.complete) res.destroy();
          },
        });
      });
      req.end(request.body);
    });
}
