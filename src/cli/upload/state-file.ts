// The upload's state file, beside the input (or --state): which rows are settled, so that a re-run
// after Ctrl-C, kill -9, a crash or a lost network sends only the rows that may not have landed.
// Rows below `done` are settled (accepted or refused, the refusals written to the rejects file)
// except those in `retry`, which had failed for a reason that may pass. It is rewritten whole at
// each checkpoint through a temporary file and a rename, so it is always one complete version.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { CliError } from '../errors.js';
import { Utf8Check, type Utf8Error } from './utf8.js';

export interface UploadTotals {
  accepted: number;
  refused: number;
  /** Sent again after an interruption and found already recorded (v1 answers so; the stream dedupes silently). */
  alreadyRecorded: number;
}

export interface UploadState {
  /** 2: identifiers derived from row content (1 derived them from row numbers). */
  version: 2;
  /** The input this state belongs to: any change to its bytes makes it another file. */
  file: { path: string; size: number; sha256: string };
  /** Where the rows went: the base URL (undefined: Stripe) and a digest of the API key. */
  target: { baseUrl: string | null; key: string };
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

export interface FileDigest {
  size: number;
  sha256: string;
  /** Where the first byte that is not UTF-8 is, if any. */
  notUtf8: Utf8Error | undefined;
}

/** The file's size and SHA-256, and whether it is all UTF-8: one pass over its bytes. */
export async function fileDigest(path: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  const utf8 = new Utf8Check();
  let size = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      utf8.update(chunk);
      size += chunk.length;
    }
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  return { size, sha256: hash.digest('hex'), notUtf8: utf8.end() };
}

/** Which server and key an upload sends to: a resumed run must send to the same. */
export function targetOf(baseUrl: string | undefined, key: string): UploadState['target'] {
  return { baseUrl: baseUrl ?? null, key: createHash('sha256').update(key).digest('hex').slice(0, 16) };
}

function isState(value: unknown): value is UploadState {
  const v = value as Partial<UploadState> | null;
  return (
    typeof v === 'object' && v !== null && v.version === 2 && typeof v.file?.sha256 === 'string' && typeof v.target?.key === 'string' && Number.isSafeInteger(v.done) &&
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
  if ((value as { version?: unknown } | undefined)?.version === 1) {
    throw new CliError(
      `${path} was written by an earlier stripe-meters, which derived the identifiers of rows without one from row numbers; this version derives them from row content, so Stripe would count again every row that upload sent. Finish it with the version that started it; pass --restart only if you accept that`,
    );
  }
  if (!isState(value)) throw new CliError(`${path} is not an upload state file; delete it or pass --restart to start over`);
  return value;
}

export function saveState(path: string, state: UploadState): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, path);
}
