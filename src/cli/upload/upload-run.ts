// One run of an upload: read the rows in order, skip those an earlier run settled, check the rest,
// send the good ones, and checkpoint: every few thousand rows or 50 ms, wait (without stopping
// the reading) until the sender has settled every row before the checkpoint, then write the
// refusals to the rejects file and the new state to the state file, and show the progress.
import type { MeterKeys } from '../../rules/meter.js';
import { CliError } from '../errors.js';
import { fingerprint, FingerprintTable } from './fingerprints.js';
import { IdentifierDeriver } from './identifier.js';
import type { Ledger, Pending, Settled } from './ledger.js';
import type { Pacer } from './pacer.js';
import type { ProgressView } from './progress.js';
import type { RejectsFile } from './rejects-file.js';
import { checkRow, rowIdentity } from './row-check.js';
import type { RowSource, SourceRow } from './rows.js';
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
  /** Called with every refused row as it is settled (the summary shows the first few). */
  onRefused?: (rows: Pending[]) => void;
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

/** A row's place as reasons name it: its line (CSV, JSON Lines), else its row number (stored negated). */
const placeOf = (src: SourceRow): number => src.line ?? -src.row;
const describePlace = (place: number): string => (place > 0 ? `line ${place}` : `row ${-place}`);

export async function runUpload(s: RunSetup): Promise<RunCounts> {
  const counts: RunCounts = { rows: 0, skipped: 0, accepted: 0, refused: 0, alreadyRecorded: 0, failed: 0 };
  const { state, ledger } = s;
  const retryBefore = new Set(state.retry);
  const doneBefore = state.done;
  const failedNow: number[] = [];
  const deriver = new IdentifierDeriver();
  // The file's own identifiers (by fingerprint), each with the place of the row that used it
  // first: a second row with one is a second event Stripe would drop as a duplicate, so it is
  // refused here. (Two identifiers sharing a fingerprint would refuse a row that could go: the
  // safe side; the odds are about one in a million for a file of five million rows.)
  const given = new FingerprintTable();
  let next = 1; // every row numbered below this one is handled by this run, or settled before it
  let nextEnd = 0; // where the row before `next` ends in the file
  let settledRows = 0;
  let settledBytes = 0;
  let since = 0;
  let lastCheckpoint = performance.now();
  let nowSeconds = Math.floor(s.now() / 1000);
  let open: Array<Promise<void>> = [];
  let chain = Promise.resolve();

  const commit = (upTo: number, bytes: number, skipped: number, settled: Settled): void => {
    s.rejects?.write(settled.refused, s.source.header());
    if (settled.refused.length > 0) s.onRefused?.(settled.refused);
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
    settledRows += settled.rows + skipped;
    settledBytes = Math.max(settledBytes, bytes);
    s.progress.update({ rows: settledRows, skipped: counts.skipped, accepted: state.totals.accepted, refused: state.totals.refused, bytes: settledBytes });
  };

  let skippedSince = 0;
  const checkpoint = (): Promise<void> => {
    const upTo = next;
    const bytes = nextEnd;
    const skipped = skippedSince;
    skippedSince = 0;
    const barrier = s.sender?.barrier() ?? Promise.resolve();
    const done = (chain = chain.then(() => barrier).then(() => commit(upTo, bytes, skipped, ledger.take(upTo))));
    open.push(done);
    const forget = () => (open = open.filter((p) => p !== done));
    void done.then(forget, forget);
    lastCheckpoint = performance.now();
    since = 0;
    nowSeconds = Math.floor(s.now() / 1000);
    return done;
  };

  const refuse = (src: SourceRow, reason: string) => ledger.add({ row: src.row, line: src.line, end: src.end, raw: src.raw, outcome: 'refused', reason });

  let readError: unknown;
  let stopped = false;
  try {
    for await (const batch of s.source) {
      for (const src of batch) {
        if (s.signal.aborted || s.fatal() !== undefined) {
          stopped = true;
          break;
        }
        counts.rows++;
        const identity = rowIdentity(src.fields, deriver);
        const own = src.fields.problem === undefined ? src.fields.identifier : undefined;
        const print = own === undefined ? undefined : fingerprint(own);
        const first = print === undefined ? undefined : given.get(print[0], print[1]);
        if (print !== undefined && first === undefined) given.set(print[0], print[1], placeOf(src));
        if (src.row < doneBefore && !retryBefore.has(src.row)) {
          counts.skipped++;
          skippedSince++;
        } else if (first !== undefined) {
          refuse(src, `identifier ${JSON.stringify(own)} is also the identifier of ${describePlace(first)}; Stripe counts one event per identifier and would drop this row as a duplicate (give each row its own identifier, or none)`);
          since++;
        } else {
          const event = checkRow(src.fields, identity, s.meters, nowSeconds);
          if (typeof event === 'string') refuse(src, event);
          else if (s.sender === undefined) ledger.add({ row: src.row, line: src.line, end: src.end, raw: src.raw });
          else {
            const pending: Pending = { row: src.row, line: src.line, end: src.end, raw: src.raw, identifier: event.identifier };
            ledger.add(pending);
            if (s.pacer !== undefined) await s.pacer.take();
            await s.sender.send(pending, event);
          }
          since++;
        }
        next = src.row + 1;
        nextEnd = src.end;
        if ((counts.rows & 255) === 0 && (since >= CHECKPOINT_ROWS || performance.now() - lastCheckpoint >= CHECKPOINT_MS)) {
          void checkpoint();
          while (open.length >= MAX_OPEN_CHECKPOINTS) await open[0];
        }
      }
      if (stopped || s.signal.aborted || s.fatal() !== undefined) break;
    }
  } catch (error) {
    readError = error; // the file turned out malformed: keep what was settled before the bad part
  }
  await checkpoint();
  await chain;
  if (readError !== undefined) throw readError;
  // The whole file was read and it ends before the rows the state file calls settled: the state
  // belongs to another file (or was edited), and those rows were never sent from this one.
  if (!stopped && !s.signal.aborted && s.fatal() === undefined && doneBefore - 1 > counts.rows) {
    throw new CliError(`the state file says ${doneBefore - 1} rows were settled, but the file has ${counts.rows}: it does not belong to this file; pass --restart to upload it anew, or --state for a separate state file`);
  }
  return counts;
}
