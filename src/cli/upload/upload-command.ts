// `stripe-meters upload FILE`: prepares a run (state file, rejects file, meters, sender), runs
// it, prints the summary and picks the exit code: 0 all accepted, 2 some refused, 1 a failure,
// 130 interrupted.
import { resolve } from 'node:path';
import v8 from 'node:v8';
import { createClient, resolveTarget, type ClientFlags } from '../client.js';
import type { CommandContext } from '../context.js';
import { CliError, describeError } from '../errors.js';
import { Ledger, type Pending } from './ledger.js';
import { Pacer } from './pacer.js';
import { createProgress } from './progress.js';
import { RejectsFile } from './rejects-file.js';
import { meterIndex } from './row-check.js';
import { FileFormatError } from './rows.js';
import { StreamSender, V1Sender } from './senders.js';
import { formatOf, openRows, type Format } from './source.js';
import { fileDigest, loadState, saveState, targetOf, type FileDigest, type UploadState } from './state-file.js';
import { printSummary, SHOWN_REFUSALS, type Outcome } from './summary.js';
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

function freshState(file: string, digest: FileDigest, target: UploadState['target'], rejects: string, now: number): UploadState {
  const at = new Date(now).toISOString();
  return { version: 2, file: { path: file, size: digest.size, sha256: digest.sha256 }, target, rejects, startedAt: at, updatedAt: at, done: 1, retry: [], complete: false, rejectsBytes: 0, totals: { accepted: 0, refused: 0, alreadyRecorded: 0 } };
}

/** What --restart (or a changed file) does, said once, exactly. */
const RESEND =
  'every row is sent again. A row keeps its identifier (its own, or one derived from its content, not from its place), so Stripe drops the rows it received in the last 24 hours as duplicates and counts each of them once; a row whose content changed is a new event and counts (its earlier version, if accepted, counts too: cancel it with a meter event adjustment); rows sent more than 24 hours ago count again';

const where = (e: { line: number; column: number; byte: number }) => `line ${e.line}, column ${e.column} (byte 0x${e.byte.toString(16).toUpperCase().padStart(2, '0')})`;

export async function uploadCommand(file: string, flags: UploadFlags, ctx: CommandContext): Promise<number> {
  const now = ctx.now ?? Date.now;
  const format = formatOf(file, flags.format);
  const statePath = resolve(flags.state ?? `${file}.upload-state.json`);
  const dryRun = flags.dryRun === true;
  const { key, baseUrl } = resolveTarget(flags, ctx.env);
  const target = targetOf(baseUrl, key);
  const digest = await fileDigest(file);
  if (digest.notUtf8 !== undefined) {
    if (format === 'json') throw new CliError(`${file} is not UTF-8 at ${where(digest.notUtf8)}: save it as UTF-8 (a JSON array's rows cannot be refused one by one; nothing was sent)`);
    ctx.stderr.write(`stripe-meters: note: ${file} is not all UTF-8 (first at ${where(digest.notUtf8)}); the rows holding such bytes are refused\n`);
  }
  let state = dryRun || flags.restart === true ? undefined : loadState(statePath);
  if (state !== undefined && (state.file.sha256 !== digest.sha256 || state.file.size !== digest.size)) {
    throw new CliError(
      `${file} changed since the upload recorded in ${statePath} (${state.done - 1} rows settled, last on ${state.updatedAt}), so that record no longer says which rows were sent. Pass --restart to upload it anew: ${RESEND}. Or pass --state for a separate state file`,
    );
  }
  if (state !== undefined && (state.target.key !== target.key || state.target.baseUrl !== target.baseUrl)) {
    const to = state.target.baseUrl ?? 'Stripe';
    throw new CliError(`${statePath} records an upload to ${to}${state.target.key === target.key ? '' : ' with another API key'}, so its settled rows were not sent where this run sends; pass --restart to upload the file anew, or --state for a separate state file`);
  }
  if (flags.restart === true && !dryRun && loadStateQuietly(statePath) !== undefined) ctx.stderr.write(`stripe-meters: --restart: ${RESEND}\n`);
  // A dry run writes no rejects file unless asked: it must not clobber the one of an upload to resume.
  const rejectsPath = dryRun && flags.rejects === undefined ? undefined : resolve(flags.rejects ?? state?.rejects ?? `${file}.rejects.csv`);
  if (state !== undefined && rejectsPath !== state.rejects) throw new CliError(`this upload's rejects are in ${state.rejects}: pass that --rejects path, or --restart`);
  if (state?.complete === true) {
    printSummary(ctx, { file, via: flags.via, outcome: 'already-complete', state, counts: undefined, seconds: 0, dryRun: false, rejects: state.totals.refused > 0 ? state.rejects : undefined, firstRefused: [], resent: false }, flags.json === true);
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
  const resent = flags.restart === true;
  const current = state ?? freshState(file, digest, target, rejectsPath ?? '', now());
  state = current;
  const rejects = rejectsPath === undefined ? undefined : new RejectsFile(rejectsPath, resumed ? current.rejectsBytes : undefined);
  let fatal: unknown;
  const onFatal = (error: unknown) => (fatal ??= error);
  const ledger = new Ledger();
  const sender = dryRun ? undefined : flags.via === 'v1' ? new V1Sender(stripe, V1_CONCURRENCY, onFatal) : new StreamSender(stripe, (id) => ledger.find(id), onFatal);
  const progress = createProgress({ out: ctx.stderr, tty: ctx.stderrIsTTY, totalBytes: digest.size });
  const firstRefused: Pending[] = [];
  const started = performance.now();
  let counts: RunCounts | undefined;
  let readError: unknown;
  try {
    counts = await runUpload({
      source: openRows(file, format, { utf8: digest.notUtf8 === undefined }),
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
      onRefused: (rows) => firstRefused.push(...rows.slice(0, SHOWN_REFUSALS - firstRefused.length)),
    });
  } catch (error) {
    readError = error;
  } finally {
    await sender?.close().catch(onFatal);
    rejects?.close();
  }
  const interrupted = ctx.signal.aborted;
  const failure = readError ?? fatal;
  const outcome: Outcome = failure !== undefined ? 'failed' : interrupted ? 'interrupted' : 'complete';
  progress.stop(outcome === 'complete');
  current.complete = outcome === 'complete' && current.retry.length === 0;
  if (!dryRun) saveState(statePath, current);
  const written = rejectsPath !== undefined && (counts?.refused ?? 0) + current.totals.refused > 0 ? rejectsPath : undefined;
  printSummary(ctx, { file, via: flags.via, outcome, state: current, counts, seconds: (performance.now() - started) / 1000, dryRun, rejects: written, firstRefused, resent }, flags.json === true);
  if (failure !== undefined) {
    const what = failure instanceof FileFormatError ? `${file}: ${failure.message}` : describeError(failure, baseUrl);
    ctx.stderr.write(`stripe-meters: upload stopped: ${what}${dryRun ? '' : `; progress is saved in ${statePath}: run the same command again to resume`}\n`);
    return 1;
  }
  if (interrupted) {
    ctx.stderr.write(`stripe-meters: interrupted; progress is saved in ${statePath}: run the same command again to resume\n`);
    return 130;
  }
  return current.totals.refused > 0 ? 2 : 0;
}

/** The state file if one is there and readable, for a note; never an error. */
function loadStateQuietly(path: string): UploadState | undefined {
  try {
    return loadState(path);
  } catch {
    return undefined;
  }
}
