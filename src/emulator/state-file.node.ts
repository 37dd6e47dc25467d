// Saved state on disk (`--data DIR`): DIR/state.json, written atomically (a temporary file written
// and fsynced, renamed over the old one, the directory fsynced), so that a save cut short by a
// crash or SIGKILL leaves the previous state whole and loadable.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Emulator } from './emulator.js';
import type { EmulatorState } from './persist.js';

export const STATE_FILE = 'state.json';
const TEMP_FILE = 'state.json.tmp';
/** Written in slices, so that no single write holds the event loop for long. @unit characters */
const SLICE = 1 << 20;

/** The saved state in `dir`, or undefined when there is none; a leftover temporary file is removed. */
export function loadStateFile(dir: string): unknown {
  mkdirSync(dir, { recursive: true });
  rmSync(join(dir, TEMP_FILE), { force: true });
  const path = join(dir, STATE_FILE);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    throw new Error(`${path} is not a saved emulator state (${(error as Error).message}); move it away to start afresh`);
  }
}

function fsyncDir(dir: string): void {
  // Makes the rename itself durable; some platforms cannot open a directory, and then it is skipped.
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // best effort
  }
}

/** Saves `state` in `dir` atomically. */
export async function saveStateFile(dir: string, state: EmulatorState): Promise<void> {
  const text = JSON.stringify(state);
  const temp = join(dir, TEMP_FILE);
  const file = await open(temp, 'w');
  try {
    for (let at = 0; at < text.length; at += SLICE) await file.write(text.slice(at, at + SLICE));
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, join(dir, STATE_FILE));
  fsyncDir(dir);
}

/** Keeps the state in `dir`: saves within `intervalMs` of a change, one save at a time. */
export function persistence(emulator: Emulator, dir: string, intervalMs: number) {
  let dirty = false;
  let saving: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    dirty = false;
    const state = emulator.exportState();
    saving = saving.then(() => saveStateFile(dir, state));
    return saving;
  };
  const stopWatching = emulator.onRequest((record) => {
    if (record.method === 'POST' && record.status !== 0) dirty = true;
  });
  const timer = setInterval(() => {
    if (dirty) save().catch((error: unknown) => console.error(`stripe-meters emulator could not save its state in ${dir}: ${String(error)}`));
  }, intervalMs);
  timer.unref();
  return {
    save,
    stop: async () => {
      clearInterval(timer);
      stopWatching();
      await save();
    },
  };
}
