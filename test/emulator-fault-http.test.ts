// Fault delivery over HTTP (serveEmulator): a dropped connection, a hang, a late answer, a body cut
// or stalled half-way, pause/resume (connections refused), and the body limit (413 while reading,
// nothing buffered past it), each while another client is served.
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FaultRule } from '../src/emulator/index.js';
import { serveEmulator, type RunningEmulator } from '../src/emulator/server.node.js';
import { KEY } from './emulator-kit.js';

let running: RunningEmulator | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

interface Outcome {
  status?: number;
  headers?: Record<string, string | string[] | undefined>;
  body?: string;
  error?: string;
}

/** One request with node:http; resolves with what arrived, or the error that ended it. */
function send(url: string, method: string, path: string, body = '', headers: Record<string, string> = {}, timeoutMs = 5000): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = httpRequest(`${url}${path}`, { method, agent: false, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/x-www-form-urlencoded', ...headers }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), error: error.code ?? error.message }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end(body);
  });
}

async function start(faults: FaultRule[] = [], bodyLimitBytes?: number) {
  running = await serveEmulator({ faults, ...(bodyLimitBytes === undefined ? {} : { bodyLimitBytes }), onWarning: () => {} });
  const made = await send(running.url, 'POST', '/v1/billing/meters', 'display_name=a&event_name=api&default_aggregation[formula]=sum');
  expect(made.status).toBe(200);
  return running;
}

const event = (id: string) => `event_name=api&payload[stripe_customer_id]=cus_a&payload[value]=1&identifier=${id}`;

describe('faults over HTTP', () => {
  it('reset drops the connection before applying; reset_after after', async () => {
    const { url, emulator } = await start();
    emulator.setFaults([{ fault: 'reset', times: 1 }]);
    expect(await send(url, 'POST', '/v1/billing/meter_events', event('r1'))).toEqual({ error: 'ECONNRESET' });
    emulator.setFaults([{ fault: 'reset_after', times: 1 }]);
    expect(await send(url, 'POST', '/v1/billing/meter_events', event('r2'))).toEqual({ error: 'ECONNRESET' });
    expect([emulator.countAccepted('r1'), emulator.countAccepted('r2')]).toEqual([0, 1]);
  });

  it('slow answers after delayMs; hang never answers (the client times out), and the server keeps serving', async () => {
    const { url, emulator } = await start();
    emulator.setFaults([{ path: '/v1/billing/meter_events', fault: 'slow', delayMs: 300, times: 1 }, { path: '/v1/billing/meters', method: 'GET', fault: 'hang' }]);
    const t = performance.now();
    const slow = send(url, 'POST', '/v1/billing/meter_events', event('s1'));
    const hung = send(url, 'GET', '/v1/billing/meters', '', {}, 400);
    const other = await send(url, 'GET', '/v1/billing/meters/mtr_nope');
    expect(other.status).toBe(404); // served while the others wait
    expect(performance.now() - t).toBeLessThan(250);
    expect((await slow).status).toBe(200);
    expect(performance.now() - t).toBeGreaterThanOrEqual(290);
    expect(await hung).toEqual({ error: 'TIMEOUT' });
    expect(emulator.countAccepted('s1')).toBe(1);
  });

  it('cut_body sends half the body with the whole Content-Length and drops the connection; stall_body waits first', async () => {
    const { url, emulator } = await start();
    emulator.setFaults([{ fault: 'cut_body', times: 1, shouldRetry: true }]);
    const cut = await send(url, 'POST', '/v1/billing/meter_events', event('c1'));
    expect(cut).toMatchObject({ status: 200, error: 'ECONNRESET' });
    expect(cut.body?.length).toBeGreaterThan(10);
    expect(() => JSON.parse(cut.body ?? '')).toThrow();
    emulator.setFaults([{ fault: 'stall_body', delayMs: 300, status: 503, times: 1 }]);
    const t = performance.now();
    const stalled = await send(url, 'POST', '/v1/billing/meter_events', event('c2'));
    expect(stalled).toMatchObject({ status: 503, error: 'ECONNRESET' });
    expect(performance.now() - t).toBeGreaterThanOrEqual(290);
    expect([emulator.countAccepted('c1'), emulator.countAccepted('c2')]).toEqual([1, 0]);
  });

  it('not_json, redirect, error and Stripe-Should-Retry travel as headers and bodies', async () => {
    const { url, emulator } = await start();
    emulator.setFaults([{ fault: 'not_json', times: 1 }, { fault: 'redirect', times: 1 }, { fault: 'error', status: 418, code: 'teapot', shouldRetry: false, times: 1 }]);
    expect(await send(url, 'POST', '/v1/billing/meter_events', event('n1'))).toMatchObject({ status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: expect.stringMatching(/^<!DOCTYPE html>/) });
    expect(await send(url, 'GET', '/v1/billing/meters')).toMatchObject({ status: 302, headers: { location: '/v1/billing/meters/redirected' } });
    const teapot = await send(url, 'GET', '/v1/billing/meters');
    expect([teapot.status, teapot.headers?.['stripe-should-retry'], JSON.parse(teapot.body ?? '')]).toEqual([418, 'false', { error: { type: 'invalid_request_error', code: 'teapot', message: expect.any(String) } }]);
  });

  it('pause() refuses connections until resume(), on the same port', async () => {
    const server = await start();
    await server.pause();
    expect(await send(server.url, 'GET', '/v1/billing/meters')).toEqual({ error: 'ECONNREFUSED' });
    await server.resume();
    expect((await send(server.url, 'GET', '/v1/billing/meters')).status).toBe(200);
  });

  it('a declared or streamed body over the limit is answered 413 in Stripe shape, unread, while another client is served', async () => {
    const { url, emulator } = await start([], 64 * 1024);
    const declared = await new Promise<string>((resolve) => {
      const socket = connect(Number(new URL(url).port), '127.0.0.1', () => socket.write(`POST /v1/billing/meter_events HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n`));
      let text = '';
      socket.on('data', (c) => (text += c.toString()));
      socket.on('close', () => resolve(text));
    });
    expect(declared).toMatch(/^HTTP\/1\.1 413/);
    expect(declared).toContain('"code":"request_too_large"');
    // A chunked body: refused once past the limit, the connection closed while the client still sends.
    let sent = 0;
    const chunked = new Promise<Outcome>((resolve) => {
      const req = httpRequest(`${url}/v1/billing/meter_events`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'transfer-encoding': 'chunked' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', () => undefined);
      const block = Buffer.alloc(16 * 1024, 'x');
      const pump = () => {
        while (sent < 50 * 1024 * 1024 && !req.destroyed) {
          sent += block.length;
          if (!req.write(block)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    const t = performance.now();
    expect((await send(url, 'GET', '/v1/billing/meters')).status).toBe(200);
    expect(performance.now() - t).toBeLessThan(100);
    const refused = await chunked;
    expect(refused.status).toBe(413);
    expect(JSON.parse(refused.body ?? '')).toEqual({ error: { type: 'invalid_request_error', code: 'request_too_large', message: 'The request body is larger than the emulator takes (65536 bytes).' } });
    expect(sent).toBeLessThan(50 * 1024 * 1024);
    expect(emulator.events()).toEqual([]);
  });
});
