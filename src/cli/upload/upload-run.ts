// One run of an upload: read the rows in order, skip those an earlier run settled, check the rest,
// send the good ones, and checkpoint: every few thousand rows or 200 ms, wait (without stopping
// the reading) until the sender has settled every row before the checkpoint, then write the
// refusals to the rejects file and the new state to the state file.
import type { Ledger, Settled } from './ledger.js';
import type { Pacer } from './pacer.js';
import type { ProgressView } from './progress.js';
import type { RejectsFile } from './rejects-file.js';
import type { MeterKeys } from '../../rules/meter.js';
import { checkRow } from './row-check.js';
import type { RowSource } from './rows.js';
import type { Sender } from './senders.js';
import { saveState, type UploadState } from './state-file.js';

export interface RunSetup {
  source: RowSource;
  meters: Map<string, MeterKeys>;
  ledger: Ledger;
  /** undefined for --dry-run: rows are checked, nothing is sent. */
  sender: Sender | undefined;
  /** The state to continue from (a fresh one for a first run); updated at each checkpoint. */
  state: UploadState;
  /** undefined for --dry-run: no state is written. */
  statePath: string | undefined;
  rejects: RejectsFile | undefined;
  pacer: Pacer | undefined;
  progress: ProgressView;
  signal: AbortSignal;
  /** Wall clock for Stripe's timestamp window. @unit milliseconds */
  now: () => number;
  /** Set by the sender when nothing more can get through (refused key, network gone). */
  fatal: () => unknown;
}

export interface RunCounts {
  rows: number;
  skipped: number;
  accepted: number;
  refused: number;
  alreadyRecorded: number;
  failed: number;
}

const CHECKPOINT_ROWS = 2000;
const CHECKPOINT_MS = 50;
const MAX_OPEN_CHECKPOINTS = 4;

export async function runUpload(s: RunSetup): Promise<RunCounts> {
  const counts: RunCounts = { rows: 0, skipped: 0, accepted: 0, refused: 0, alreadyRecorded: 0, failed: 0 };
  const { state, ledger } = s;
  const retryBefore = new Set(state.retry);
  const doneBefore = state.done;
  const failedNow: number[] = [];
  let next = 1; // every row numbered below this one is handled by this run, or settled before it
  let since = 0;
  let lastCheckpoint = performance.now();
  let nowSeconds = Math.floor(s.now() / 1000);
  let open: Array<Promise<void>> = [];
  let chain = Promise.resolve();

  const commit = (upTo: number, settled: Settled): void => {
    s.rejects?.write(settled.refused, s.source.header());
    counts.accepted += settled.accepted;
    counts.refused += settled.refused.length;
    counts.alreadyRecorded += settled.duplicates;
    counts.failed += settled.failed.length;
    failedNow.push(...settled.failed);
    state.totals.accepted += settled.accepted;
    state.totals.refused += settled.refused.length;
    state.totals.alreadyRecorded += settled.duplicates;
    // Rows of the earlier run's retry list at or past upTo are not reached yet; below it, they
    // were sent again and are in this run's ledger.
    state.retry = [...state.retry.filter((r) => r >= upTo && retryBefore.has(r)), ...failedNow.filter((r) => r < upTo)];
    state.done = Math.max(doneBefore, state.done, upTo);
    state.rejectsBytes = s.rejects?.bytes ?? 0;
    state.updatedAt = new Date(s.now()).toISOString();
    if (s.statePath !== undefined) saveState(s.statePath, state);
  };

  const checkpoint = (): Promise<void> => {
    const upTo = next;
    const barrier = s.sender?.barrier() ?? Promise.resolve();
    const done = (chain = chain.then(() => barrier).then(() => commit(upTo, ledger.take(upTo))));
    open.push(done);
    const forget = () => (open = open.filter((p) => p !== done));
    void done.then(forget, forget);
    lastCheckpoint = performance.now();
    since = 0;
    nowSeconds = Math.floor(s.now() / 1000);
    return done;
  };

  const snapshot = () => ({ rows: counts.rows, skipped: counts.skipped, accepted: state.totals.accepted, refused: state.totals.refused, bytes: s.source.bytesRead() });

  let readError: unknown;
  try {
    for await (const batch of s.source) {
      for (const src of batch) {
        if (s.signal.aborted || s.fatal() !== undefined) break;
        counts.rows++;
        if (src.row < doneBefore && !retryBefore.has(src.row)) counts.skipped++;
        else {
          const event = checkRow(src.fields, src.row, s.meters, nowSeconds);
          if (typeof event === 'string') ledger.add({ row: src.row, raw: src.raw, outcome: 'refused', reason: event });
          else if (s.sender === undefined) ledger.add({ row: src.row, raw: src.raw });
          else {
            const pending = { row: src.row, raw: src.raw, identifier: event.identifier };
            ledger.add(pending);
            if (s.pacer !== undefined) await s.pacer.take();
            await s.sender.send(pending, event);
          }
          since++;
        }
        next = src.row + 1;
        if ((counts.rows & 255) === 0) {
          s.progress.update(snapshot());
          if (since >= CHECKPOINT_ROWS || performance.now() - lastCheckpoint >= CHECKPOINT_MS) {
            void checkpoint();
            while (open.length >= MAX_OPEN_CHECKPOINTS) await open[0];
          }
        }
      }
      if (s.signal.aborted || s.fatal() !== undefined) break;
    }
  } catch (error) {
    readError = error; // the file turned out malformed: keep what was settled before the bad part
  }
  await checkpoint();
  await chain;
  s.progress.update(snapshot());
  if (readError !== undefined) throw readError;
  return counts;
}
