// The default transport's sockets time out while idle in the pool, never under a request: the
// timeout follows the server's Keep-Alive hint (a second early) up to 30 s. Read from each socket's
// own `timeout` (what socket.setTimeout set), through the transport's shared agent, over loopback
// against a plain node:http server.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpAttempt, IDLE_SOCKET_MS, sharedHttpAgent } from '../src/internal/http-attempt.node.js';

const servers: Server[] = [];
afterEach(async () => {
  sharedHttpAgent().destroy();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Client sockets in use (under a request) when the server got each request. */
const inUse = (): Socket[] => Object.values(sharedHttpAgent().sockets).flatMap((list) => list ?? []) as Socket[];

/** A server that answers `{}`, with `keepAliveMs` as its Keep-Alive timeout (0: no hint); notes the client's sockets' timeouts under each request. */
async function serve(keepAliveMs: number, underRequest: number[]): Promise<string> {
  const server = createServer((_req, res) => {
    underRequest.push(...inUse().map((socket) => socket.timeout ?? 0));
    res.setHeader('content-type', 'application/json');
    res.end('{}');
  });
  server.keepAliveTimeout = keepAliveMs;
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

/** One GET through the transport; resolves, once the agent has taken the socket back, with the pool's idle sockets. */
async function get(url: string): Promise<Socket[]> {
  const agent = sharedHttpAgent();
  const freed = once(agent, 'free');
  const answer = await httpAttempt()({ url: `${url}/v1/billing/meters`, method: 'GET', headers: {}, body: undefined }, 10_000, undefined);
  expect(answer.status).toBe(200);
  // The agent's own 'free' listener (which keeps the socket alive) runs before this one.
  await freed;
  return Object.values(agent.freeSockets).flatMap((list) => list ?? []) as Socket[];
}

describe('idle sockets of the default transport', () => {
  it('time out a second before the Keep-Alive hint, and run no timer under a request', async () => {
    const underRequest: number[] = [];
    const url = await serve(5_000, underRequest);
    const [idle] = await get(url);
    expect(idle?.timeout).toBe(4_000);
    const [again] = await get(url);
    expect(again).toBe(idle);
    expect(underRequest).toHaveLength(2);
    // The second request went out on the idle socket: its idle timeout was lifted first.
    expect(underRequest.every((ms) => ms === 0)).toBe(true);
  });

  it(`time out after ${IDLE_SOCKET_MS / 1000} s when the hint is longer or absent`, async () => {
    for (const keepAliveMs of [120_000, 0]) {
      const url = await serve(keepAliveMs, []);
      const idle = await get(url);
      expect(idle.map((socket) => socket.timeout)).toEqual([IDLE_SOCKET_MS]);
      sharedHttpAgent().destroy();
    }
  });

  it('are not kept when the hint leaves no time to reuse them', async () => {
    const url = await serve(1_000, []);
    expect(await get(url)).toEqual([]);
  });
});
