// `stripe-meters upload FILE`: prepares a run (state file, rejects file, meters, sender), runs
// it, prints the summary and picks the exit code: 0 all accepted, 2 some refused, 1 a failure,
// 130 interrupted.
import { resolve } from 'node:path';
import v8 from 'node:v8';
import { createClient, type ClientFlags } from '../client.js';
import type { CommandContext } from '../context.js';
import { CliError, describeError } from '../errors.js';
import { Ledger } from './ledger.js';
import { Pacer } from './pacer.js';
import { createProgress } from './progress.js';
import { RejectsFile } from './rejects-file.js';
import { meterIndex } from './row-check.js';
import { FileFormatError } from './rows.js';
import { StreamSender, V1Sender } from './senders.js';
import { formatOf, openRows, type Format } from './source.js';
import { fileDigest, loadState, saveState, type UploadState } from './state-file.js';
import { printSummary, type Outcome } from './summary.js';
import { runUpload, type RunCounts } from './upload-run.js';

export interface UploadFlags extends ClientFlags {
  format?: Format;
  via: 'stream' | 'v1';
  rate?: number;
  dryRun?: boolean;
  rejects?: string;
  state?: string;
  restart?: boolean;
  json?: boolean;
}

/** Requests in flight at once with --via v1. */
const V1_CONCURRENCY = 16;

function freshState(file: string, digest: { size: number; sha256: string }, rejects: string, now: number): UploadState {
  const at = new Date(now).toISOString();
  return { version: 1, file: { path: file, ...digest }, rejects, startedAt: at, updatedAt: at, done: 1, retry: [], complete: false, rejectsBytes: 0, totals: { accepted: 0, refused: 0, alreadyRecorded: 0 } };
}

export async function uploadCommand(file: string, flags: UploadFlags, ctx: CommandContext): Promise<number> {
  const now = ctx.now ?? Date.now;
  const format = formatOf(file, flags.format);
  const statePath = resolve(flags.state ?? `${file}.upload-state.json`);
  const digest = await fileDigest(file);
  let state = flags.dryRun === true || flags.restart === true ? undefined : loadState(statePath);
  if (state !== undefined && state.file.sha256 !== digest.sha256) {
    throw new CliError(
      `${file} changed since the upload recorded in ${statePath} (${state.done - 1} rows settled); pass --restart to upload it anew (unchanged rows keep their identifiers, so Stripe drops those it received in the last 24 hours) or --state for a separate state file`,
    );
  }
  const rejectsPath = resolve(flags.rejects ?? state?.rejects ?? `${file}.rejects.csv`);
  if (state !== undefined && rejectsPath !== state.rejects) throw new CliError(`this upload's rejects are in ${state.rejects}: pass that --rejects path, or --restart`);
  if (state?.complete === true) {
    printSummary(ctx, { file, via: flags.via, outcome: 'already-complete', state, counts: undefined, seconds: 0, dryRun: false }, flags.json === true);
    return state.totals.refused > 0 ? 2 : 0;
  }

  // Under an upload's steady allocation V8 grows its young generation to 32 MB, which is most of
  // the gap between the live heap (about 16 MB) and the process's RSS; keeping it at its first
  // size holds the peak RSS about 35 MB lower for about 10% more CPU (npm run bench:cli). The
  // flag is read each time the young generation would grow, so setting it now takes effect.
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  const stripe = createClient(flags, ctx, { maxNetworkRetries: 5 });
  const meters = meterIndex(await stripe.billing.meters.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 }));
  const resumed = state !== undefined;
  const current = state ?? freshState(file, digest, rejectsPath, now());
  state = current;
  const dryRun = flags.dryRun === true;
  const rejects = dryRun && flags.rejects === undefined ? undefined : new RejectsFile(rejectsPath, resumed ? current.rejectsBytes : undefined);
  let fatal: unknown;
  const onFatal = (error: unknown) => (fatal ??= error);
  const ledger = new Ledger();
  const sender = dryRun ? undefined : flags.via === 'v1' ? new V1Sender(stripe, V1_CONCURRENCY, onFatal) : new StreamSender(stripe, (id) => ledger.find(id), onFatal);
  const progress = createProgress({ out: ctx.stderr, tty: ctx.stderrIsTTY, totalBytes: digest.size });
  const started = performance.now();
  let counts: RunCounts | undefined;
  let readError: unknown;
  try {
    counts = await runUpload({
      source: openRows(file, format),
      meters,
      ledger,
      sender,
      state: current,
      statePath: dryRun ? undefined : statePath,
      rejects,
      pacer: flags.rate === undefined ? undefined : new Pacer(flags.rate),
      progress,
      signal: ctx.signal,
      now,
      fatal: () => fatal,
    });
  } catch (error) {
    readError = error;
  } finally {
    await sender?.close().catch(onFatal);
    progress.stop();
    rejects?.close();
  }
  const interrupted = ctx.signal.aborted;
  const failure = readError ?? fatal;
  const outcome: Outcome = failure !== undefined ? 'failed' : interrupted ? 'interrupted' : 'complete';
  current.complete = outcome === 'complete' && current.retry.length === 0;
  if (!dryRun) saveState(statePath, current);
  printSummary(ctx, { file, via: flags.via, outcome, state: current, counts, seconds: (performance.now() - started) / 1000, dryRun }, flags.json === true);
  if (failure !== undefined) {
    const what = failure instanceof FileFormatError ? `${file}: ${failure.message}` : describeError(failure);
    ctx.stderr.write(`stripe-meters: upload stopped: ${what}${dryRun ? '' : `; progress is saved in ${statePath}: run the same command again to resume`}\n`);
    return 1;
  }
  if (interrupted) {
    ctx.stderr.write(`stripe-meters: interrupted; progress is saved in ${statePath}: run the same command again to resume\n`);
    return 130;
  }
  return current.totals.refused > 0 ? 2 : 0;
}
