#!/usr/bin/env node
// The `stripe-meters` command. (A minimal dispatcher; the full command line replaces it.)
import { runEmulatorCommand } from './emulator-command.js';

const USAGE = `Usage: stripe-meters <command>

Commands:
  emulator   serve a local Billing Meters emulator over HTTP (stripe-meters emulator --help)`;

const [command, ...rest] = process.argv.slice(2);
if (command === 'emulator') {
  process.exitCode = await runEmulatorCommand(rest);
} else {
  (command === undefined || command === '--help' || command === 'help' ? console.log : console.error)(USAGE);
  process.exitCode = command === undefined || command === '--help' || command === 'help' ? 0 : 2;
}
