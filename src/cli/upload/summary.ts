// The upload's closing summary on stdout (or one JSON object with --json).
import type { CommandContext } from '../context.js';
import { count, duration } from '../format.js';
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
}

export function printSummary(ctx: CommandContext, s: SummaryInput, json: boolean): void {
  const { totals } = s.state;
  const rejects = totals.refused > 0 || (s.counts?.refused ?? 0) > 0 ? s.state.rejects : undefined;
  if (json) {
    ctx.stdout.write(
      `${JSON.stringify({ file: s.file, via: s.via, outcome: s.outcome, dry_run: s.dryRun, seconds: Math.round(s.seconds * 1000) / 1000, run: s.counts ?? null, totals, rejects: rejects ?? null, retry: s.state.retry.length })}\n`,
    );
    return;
  }
  const out: string[] = [];
  if (s.outcome === 'already-complete') {
    out.push(`${s.file} was uploaded on ${s.state.updatedAt}; nothing to send (pass --restart to upload it anew)`);
  } else {
    const c = s.counts ?? { rows: 0, skipped: 0, accepted: 0, refused: 0, alreadyRecorded: 0, failed: 0 };
    const how = s.dryRun ? 'checked (dry run, nothing sent)' : s.via === 'v1' ? 'through v1 meter events' : 'through the meter event stream';
    const speed = s.seconds > 0 ? `, ${count(Math.round((c.rows - c.skipped) / s.seconds))} rows/s` : '';
    const state = s.outcome === 'complete' ? 'done' : s.outcome === 'interrupted' ? 'interrupted' : 'stopped';
    out.push(`${s.file}: ${state}, ${count(c.rows)} rows ${how} in ${duration(s.seconds)}${speed}`);
    if (c.skipped > 0) out.push(`  settled by an earlier run  ${count(c.skipped)}`);
    out.push(`  ${s.dryRun ? 'would be sent' : 'accepted'}  ${count(c.accepted)}`);
    if (c.alreadyRecorded > 0) out.push(`  already recorded (sent before an interruption)  ${count(c.alreadyRecorded)}`);
    out.push(`  refused  ${count(c.refused)}${c.refused > 0 && rejects !== undefined ? `  (rows and reasons in ${rejects})` : ''}`);
    const pending = s.state.retry.length;
    if (pending > 0) out.push(`  not delivered, sent again on the next run  ${count(pending)}`);
    if (c.skipped > 0 || s.outcome !== 'complete') out.push(`  all runs: accepted ${count(totals.accepted)}, refused ${count(totals.refused)}`);
  }
  if (s.outcome === 'already-complete') out.push(`  accepted ${count(totals.accepted)}, refused ${count(totals.refused)}${rejects === undefined ? '' : ` (rows and reasons in ${rejects})`}`);
  ctx.stdout.write(`${out.join('\n')}\n`);
}
