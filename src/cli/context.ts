// What a command runs with: its streams, environment and signal, injectable for tests.
import type { FetchLike } from '../index.js';

export interface Output {
  write(text: string): unknown;
}

export interface CommandContext {
  stdout: Output & NodeJS.WritableStream;
  stderr: Output & NodeJS.WritableStream;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  env: Record<string, string | undefined>;
  /** Fires on Ctrl-C: an upload stops cleanly. */
  signal: AbortSignal;
  fetch?: FetchLike;
  /** Wall clock. @unit milliseconds @default Date.now */
  now?: () => number;
}
