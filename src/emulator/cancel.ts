// Cancelling an event by identifier: only an event of that event name, received at most 24 hours
// ago (from receipt, not from its timestamp). Stripe documents no error for a cancel that matches
// nothing, so by default it is accepted and ignored (with a warning); strictAdjustments refuses it.
import type { Context } from './context.js';
import { CANCEL_WINDOW_SECONDS } from '../rules/limits.js';

export type CancelOutcome = 'cancelled' | 'already_cancelled' | 'unknown' | 'other_event_name' | 'too_old';

export function cancelEvent(context: Context, eventName: string, identifier: string): CancelOutcome {
  const found = context.account.locate(identifier);
  if (found === undefined) return 'unknown';
  const { series, position, received } = found;
  if (context.account.meters.get(series.meterId)?.meter.event_name !== eventName) return 'other_event_name';
  if (context.now - received > CANCEL_WINDOW_SECONDS) return 'too_old';
  return series.cancel(position) ? 'cancelled' : 'already_cancelled';
}

const EXPLAIN: Record<Exclude<CancelOutcome, 'cancelled'>, string> = {
  already_cancelled: 'it was already cancelled',
  unknown: 'no event with that identifier was received',
  other_event_name: 'the event with that identifier has another event name',
  too_old: 'the event was received more than 24 hours ago',
};

/** Why a cancel changed nothing, for the warning or the strict-mode error. */
export function explainCancel(outcome: Exclude<CancelOutcome, 'cancelled'>, eventName: string, identifier: string): string {
  return `The cancel of identifier "${identifier}" (event name "${eventName}") changed nothing: ${EXPLAIN[outcome]}.`;
}

/** Applies the cancel; returns the refusal message in strict mode, undefined when accepted. */
export function applyCancel(context: Context, eventName: string, identifier: string): string | undefined {
  const outcome = cancelEvent(context, eventName, identifier);
  if (outcome === 'cancelled') return undefined;
  const message = explainCancel(outcome, eventName, identifier);
  if (context.settings.strictAdjustments) return message;
  // A repeated cancel is the normal idempotent case: nothing to warn about.
  if (outcome !== 'already_cancelled') context.settings.onWarning(`stripe-meters emulator: ${message}`);
  return undefined;
}
