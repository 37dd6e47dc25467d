#!/usr/bin/env node
// The `stripe-meters` command. Ctrl-C (or SIGTERM) asks the running command to stop cleanly (an
// upload flushes and saves its state); a second one exits at once, which is still safe: the state
// file always holds a consistent checkpoint.
import { run, type EmulatorCommand } from './program.js';

const controller = new AbortController();
let signals = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (++signals > 1) process.exit(130);
    controller.abort();
  });
}

// Loaded only when asked for: the other commands do not need the emulator.
const emulator: EmulatorCommand = async (argv) => (await import('./emulator-command.js')).runEmulatorCommand(argv);

const code = await run(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr, stdoutIsTTY: process.stdout.isTTY === true, stderrIsTTY: process.stderr.isTTY === true, env: process.env, signal: controller.signal },
  emulator,
);
// Exit now: idle keep-alive sockets would otherwise hold the process for seconds. (stdout and
// stderr are synchronous for files, pipes and terminals on Linux, so nothing printed is lost.)
process.exit(code);
