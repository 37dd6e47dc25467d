// Event summary bounds: on minute boundaries, on hour boundaries with value_grouping_window=hour,
// on 00:00 UTC with day (API reference); and the end after the start (Stripe's answer to a
// reversed range is undocumented; refused here as the emulator does).
import { problem, type RuleProblem } from './problem.js';

export type SummaryWindow = 'hour' | 'day';

/** The boundary step of summary bounds: a minute, or the grouping window. @unit seconds */
export const SUMMARY_STEP_SECONDS = { minute: 60, hour: 3600, day: 86_400 } as const;

const BOUNDARY = { minute: 'a minute boundary', hour: 'an hour boundary', day: '00:00 UTC' } as const;

export const summaryStep = (window: SummaryWindow | undefined): number => SUMMARY_STEP_SECONDS[window ?? 'minute'];

/** The problem with a summary query's bounds (unix seconds), or undefined. */
export function summaryRangeProblem(start: number, end: number, window: SummaryWindow | undefined): RuleProblem | undefined {
  const unit = window ?? 'minute';
  const step = SUMMARY_STEP_SECONDS[unit];
  for (const [param, t] of [['start_time', start], ['end_time', end]] as const) {
    if (t % step !== 0) {
      const grouped = window === undefined ? '' : ` when value_grouping_window is ${window}`;
      return problem('summary_misaligned', param, `${param} must be aligned to ${BOUNDARY[unit]} (a multiple of ${step} seconds)${grouped}; got ${t}.`);
    }
  }
  if (end <= start) return problem('summary_range_empty', 'end_time', `end_time (${end}) must be after start_time (${start}).`);
  return undefined;
}

/** The smallest aligned range that holds [from, to): what to ask for when the user's bounds are not aligned. */
export function widenSummaryRange(from: number, to: number, window: SummaryWindow | undefined): { start: number; end: number } {
  const step = summaryStep(window);
  const start = Math.floor(from / step) * step;
  const end = Math.ceil(to / step) * step;
  return { start, end: end > start ? end : start + step };
}
