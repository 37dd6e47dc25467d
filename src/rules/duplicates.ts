// Stripe's two answers to an identifier it already holds: v2 `code: duplicate_meter_event`; v1 a
// 400 with no code and the message below (and `Stripe-Should-Retry: false`). The emulator answers
// with these, the client and the command line recognise them with isDuplicateMeterEvent.
import { StripeInvalidRequestError } from '../errors.js';
import { problem, type RuleProblem } from './problem.js';

/** v2's code for a duplicate identifier (API reference). */
export const DUPLICATE_CODE = 'duplicate_meter_event';

/** v1's message for a duplicate identifier (Stripe's words, as its clients quote them). */
export const duplicateMessage = (identifier: string): string => `An event already exists with identifier ${identifier}.`;

const V1_DUPLICATE = /^An event already exists with identifier (.+)\.$/s;

/** The problem of an event whose identifier Stripe already holds. */
export const duplicateProblem = (identifier: string, param = 'identifier'): RuleProblem => problem('duplicate_meter_event', param, duplicateMessage(identifier));

/**
 * Whether Stripe refused a meter event as a duplicate of an identifier it already holds: v2
 * answers `code: duplicate_meter_event`; v1 answers 400 with no code and the message
 * "An event already exists with identifier <id>." (with `identifier`: of that one).
 */
export function isDuplicateMeterEvent(error: unknown, identifier?: string): boolean {
  if (!(error instanceof StripeInvalidRequestError)) return false;
  if (error.code === DUPLICATE_CODE) return true;
  const m = error.code === undefined && typeof error.raw.message === 'string' ? V1_DUPLICATE.exec(error.raw.message) : null;
  return m !== null && (identifier === undefined || m[1] === identifier);
}
