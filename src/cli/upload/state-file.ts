// The upload's state file, beside the input (or --state): which rows are settled, so that a re-run
// after Ctrl-C, kill -9, a crash or a lost network sends only the rows that may not have landed.
// Rows below `done` are settled (accepted or refused, the refusals written to the rejects file)
// except those in `retry`, which had failed for a reason that may pass. It is rewritten whole at
// each checkpoint through a temporary file and a rename, so it is always one complete version.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { CliError } from '../errors.js';

export interface UploadTotals {
  accepted: number;
  refused: number;
  /** Sent again after an interruption and found already recorded (v1 answers so; the stream dedupes silently). */
  alreadyRecorded: number;
}

export interface UploadState {
  version: 1;
  /** The input this state belongs to: any change to its bytes makes it another file. */
  file: { path: string; size: number; sha256: string };
  rejects: string;
  startedAt: string;
  updatedAt: string;
  done: number;
  retry: number[];
  complete: boolean;
  /** Length of the rejects file at this checkpoint: a resumed run truncates it to this. */
  rejectsBytes: number;
  totals: UploadTotals;
}

export async function fileDigest(path: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  return { size, sha256: hash.digest('hex') };
}

function isState(value: unknown): value is UploadState {
  const v = value as Partial<UploadState> | null;
  return (
    typeof v === 'object' && v !== null && v.version === 1 && typeof v.file?.sha256 === 'string' && Number.isSafeInteger(v.done) &&
    Array.isArray(v.retry) && typeof v.rejects === 'string' && Number.isSafeInteger(v.rejectsBytes) && typeof v.totals === 'object'
  );
}

export function loadState(path: string): UploadState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read the state file ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!isState(value)) throw new CliError(`${path} is not an upload state file; delete it or pass --restart to start over`);
  return value;
}

export function saveState(path: string, state: UploadState): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, path);
}
