// The upload's closing summary on stdout (or one JSON object with --json, keys in snake_case).
import type { CommandContext } from '../context.js';
import { count, duration } from '../format.js';
import type { Pending } from './ledger.js';
import type { UploadState } from './state-file.js';
import type { RunCounts } from './upload-run.js';

export type Outcome = 'complete' | 'interrupted' | 'failed' | 'already-complete';

export interface SummaryInput {
  file: string;
  via: 'stream' | 'v1';
  outcome: Outcome;
  state: UploadState;
  counts: RunCounts | undefined;
  seconds: number;
  dryRun: boolean;
  /** The rejects file, when this run wrote one (or an earlier run did). */
  rejects: string | undefined;
  /** The first rows refused in this run, to show their reasons. */
  firstRefused: Pending[];
  /** Every row was sent again (--restart, or a changed file): some of the accepted ones may have been duplicates. */
  resent: boolean;
}

/** How many refused rows the summary shows with their reasons. */
export const SHOWN_REFUSALS = 5;

const runJson = (c: RunCounts) => ({ rows: c.rows, skipped: c.skipped, accepted: c.accepted, refused: c.refused, already_recorded: c.alreadyRecorded, failed: c.failed });

export function printSummary(ctx: CommandContext, s: SummaryInput, json: boolean): void {
  const { totals } = s.state;
  const rejects = s.rejects;
  if (json) {
    ctx.stdout.write(
      `${JSON.stringify({
        file: s.file,
        via: s.via,
        outcome: s.outcome.replace('-', '_'),
        dry_run: s.dryRun,
        seconds: Math.round(s.seconds * 1000) / 1000,
        run: s.counts === undefined ? null : runJson(s.counts),
        totals: { accepted: totals.accepted, refused: totals.refused, already_recorded: totals.alreadyRecorded },
        rejects: rejects ?? null,
        retry: s.state.retry.length,
      })}\n`,
    );
    return;
  }
  const out: string[] = [];
  const lines: Array<[label: string, value: number, note?: string | undefined]> = [];
  if (s.outcome === 'already-complete') {
    out.push(`${s.file} was uploaded on ${s.state.updatedAt}; nothing to send (pass --restart to upload it anew)`);
    lines.push(['accepted', totals.accepted], ['refused', totals.refused, rejects === undefined ? undefined : `rows and reasons in ${rejects}`]);
  } else {
    const c = s.counts ?? { rows: 0, skipped: 0, accepted: 0, refused: 0, alreadyRecorded: 0, failed: 0 };
    const how = s.dryRun ? 'checked (dry run, nothing sent)' : s.via === 'v1' ? 'through v1 meter events' : 'through the meter event stream';
    const speed = s.seconds > 0 ? ` (${count(Math.round((c.rows - c.skipped) / s.seconds))} rows/s)` : '';
    const state = s.outcome === 'complete' ? 'done' : s.outcome === 'interrupted' ? 'interrupted' : 'stopped';
    out.push(`${s.file}: ${state}, ${count(c.rows)} rows ${how} in ${duration(s.seconds)}${speed}`);
    if (c.skipped > 0) lines.push(['settled by an earlier run', c.skipped]);
    // The stream does not say which events it already had: after a resend, some "accepted" rows
    // were duplicates, dropped (they counted when first sent).
    const acceptedNote = s.resent && s.via === 'stream' && !s.dryRun ? 'sent again: those already recorded (same identifier, within 24 hours) count once' : undefined;
    lines.push([s.dryRun ? 'would be sent' : 'accepted', c.accepted, acceptedNote]);
    if (c.alreadyRecorded > 0) lines.push(['already recorded', c.alreadyRecorded, 'their identifiers were recorded by an earlier run: counted once']);
    const where = rejects !== undefined ? `rows and reasons in ${rejects}` : s.dryRun ? 'pass --rejects FILE to keep every one' : undefined;
    lines.push(['refused', c.refused, c.refused > 0 ? where : undefined]);
    if (s.state.retry.length > 0) lines.push(['not delivered', s.state.retry.length, 'sent again on the next run']);
    if (c.skipped > 0 || s.outcome !== 'complete') lines.push(['all runs: accepted', totals.accepted], ['all runs: refused', totals.refused]);
  }
  const labelWidth = Math.max(...lines.map(([l]) => l.length));
  const valueWidth = Math.max(...lines.map(([, v]) => count(v).length));
  for (const [label, value, note] of lines) out.push(`  ${label.padEnd(labelWidth)}  ${count(value).padStart(valueWidth)}${note === undefined ? '' : `  ${note}`}`);
  if (s.firstRefused.length > 0) {
    out.push(`first refused row${s.firstRefused.length === 1 ? '' : 's'}:`);
    for (const p of s.firstRefused) out.push(`  ${p.line === undefined ? `row ${p.row}` : `line ${p.line}`}: ${p.reason ?? ''}`);
  }
  ctx.stdout.write(`${out.join('\n')}\n`);
}
