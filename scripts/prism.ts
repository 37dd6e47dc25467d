// Starts Prism (from node_modules) on a free loopback port, serving generated/openapi.yaml.
// Used by the demo and by vitest's global setup; the caller stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PRISM = join(root, 'node_modules', '@stoplight', 'prism-cli', 'dist', 'index.js');
const SPEC = join(root, 'generated', 'openapi.yaml');

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function startOnce(port: number, upstream: string | undefined): Promise<RunningServer> {
  const mode = upstream === undefined ? ['mock', SPEC] : ['proxy', SPEC, upstream];
  const child = spawn(process.execPath, [PRISM, ...mode, '-h', '127.0.0.1', '-p', String(port)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stopProcess(child);
      reject(new Error(`Prism did not start within 60 s:\n${log}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Prism is listening on')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve({ url: `http://127.0.0.1:${port}`, stop: () => stopProcess(child) });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Prism exited (code ${String(code)}) before listening:\n${log}`));
    });
  });
}

/**
 * Starts Prism; retries on another port if the one picked was taken in the meantime. With
 * `upstream` it runs as a validating proxy in front of that server instead of as a mock.
 */
export async function startPrism(upstream?: string): Promise<RunningServer> {
  let lastError: unknown;
  for (let i = 0; i < 3; i++) {
    try {
      return await startOnce(await freePort(), upstream);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
