// Starting and killing the outbox crash tests' processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./outbox-fixtures/outbox-process.mjs', import.meta.url));

export interface Child {
  process: ChildProcess;
  /** Identifiers a producer printed as acknowledged. */
  acked: string[];
  started: Promise<void>;
  exited: Promise<number | null>;
  stderr: () => string;
}

export function startChild(args: string[], acked: string[] = []): Child {
  const child = spawn(process.execPath, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let pending = '';
  let err = '';
  let ready: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (ready = resolve));
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line === 'started') ready();
      else if (line !== '') acked.push(line);
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    ready();
    resolve(code);
  }));
  return { process: child, acked, started, exited, stderr: () => err };
}

export async function kill(child: Child): Promise<void> {
  child.process.kill('SIGKILL');
  await child.exited;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
