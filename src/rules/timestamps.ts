// An event's time: unix seconds on v1, RFC 3339 on v2 and the stream, and Stripe's window (35
// days back, 5 minutes ahead). Who checks decides how to treat clock skew at the window's edges:
// Stripe's own clock (the emulator) checks exactly; the client, whose clock may be a little off,
// refuses only what is out by more than the skew and leaves the edges to Stripe; the command line,
// which must never call a row accepted that Stripe then drops, refuses the edges too.
import { CLOCK_SKEW_SECONDS, MAX_EVENT_AGE_SECONDS, MAX_EVENT_AHEAD_SECONDS, MILLISECONDS_THRESHOLD } from './limits.js';
import { problem, type RuleProblem } from './problem.js';

/** How a check treats clock skew at the window's edges (see the module comment). */
export type Skew = 'none' | 'allow' | 'avoid';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const ZONE = /^(?:[Zz]|([+-])(\d{2}):?(\d{2}))$/;

/** Whether the parts name a real calendar date and time of day (no February 30th, no 24:00). */
export function validDateTime(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): boolean {
  if (!Number.isInteger(year) || year < 0 || year > 9999) return false;
  if (month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  return day <= daysInMonth(year, month);
}

function daysInMonth(year: number, month: number): number {
  // Date.UTC reads years 0 to 99 as 1900 to 1999: set the year on its own.
  const last = new Date(0);
  last.setUTCFullYear(year, month, 0);
  return last.getUTCDate();
}

/**
 * Seconds east of UTC of a time zone as RFC 3339 writes it (`Z`, `+05:30`; ISO 8601's `+0530`
 * too), or undefined when it is none (hours above 23, minutes above 59: `+99:99`).
 */
export function zoneOffsetSeconds(zone: string): number | undefined {
  const m = ZONE.exec(zone);
  if (m === null) return undefined;
  if (m[1] === undefined) return 0;
  const hours = Number(m[2]);
  const minutes = Number(m[3]);
  if (hours > 23 || minutes > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
}

/**
 * Unix seconds of a date and time of day at a zone (none: UTC), or undefined when they name no
 * real instant: validDateTime() and zoneOffsetSeconds() in one, as the command line reads files.
 */
export function dateTimeSeconds(year: number, month: number, day: number, hour: number, minute: number, second: number, zone?: string): number | undefined {
  if (!validDateTime(year, month, day, hour, minute, second)) return undefined;
  const offset = zone === undefined ? 0 : zoneOffsetSeconds(zone);
  if (offset === undefined) return undefined;
  const at = new Date(0);
  at.setUTCFullYear(year, month - 1, day);
  at.setUTCHours(hour, minute, second, 0);
  return at.getTime() / 1000 - offset;
}

/** Milliseconds since the epoch of an RFC 3339 date-time with a time zone, or undefined. */
// The events of a batch often carry the same timestamp text: the last answer is kept.
let lastText: string | undefined;
let lastMs: number | undefined;

export function parseRfc3339(text: string): number | undefined {
  if (text === lastText) return lastMs;
  const m = RFC3339.exec(text);
  let ms: number | undefined;
  if (m !== null) {
    const part = (i: number) => (m[i] === undefined ? 0 : Number(m[i]));
    if (validDateTime(part(1), part(2), part(3), part(4), part(5), part(6)) && zoneOffsetSeconds(m[7] ?? '') !== undefined) {
      const parsed = Date.parse(text);
      ms = Number.isFinite(parsed) ? parsed : undefined;
    }
  }
  lastText = text;
  lastMs = ms;
  return ms;
}

/** The problem with a string that is not an RFC 3339 date-time (v2 and the stream), or undefined. */
export function rfc3339Problem(text: string, param: string): RuleProblem | undefined {
  if (parseRfc3339(text) !== undefined) return undefined;
  const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
  return problem('timestamp_invalid', param, `${param} must be an RFC 3339 date-time with a time zone, such as 2026-11-22T10:00:00Z; got ${shown}`);
}

/** The problem with a v1 timestamp (whole unix seconds), or undefined. */
export function unixSecondsProblem(value: number, param: string): RuleProblem | undefined {
  if (!Number.isSafeInteger(value)) return problem('timestamp_invalid', param, `${param} must be a unix timestamp in whole seconds, got ${value}`);
  if (value >= MILLISECONDS_THRESHOLD) return problem('timestamp_invalid', param, `${param} is ${value}, which is milliseconds; unix timestamps are in seconds`);
  return undefined;
}

/**
 * The problem with an event at `seconds` checked at `nowSeconds` (both unix seconds, fractions
 * allowed), or undefined when it is inside Stripe's window as `skew` reads it.
 */
export function timestampWindowProblem(seconds: number, nowSeconds: number, param: string, skew: Skew): RuleProblem | undefined {
  const slack = slackOf(skew);
  const oldest = nowSeconds - MAX_EVENT_AGE_SECONDS;
  const latest = nowSeconds + MAX_EVENT_AHEAD_SECONDS;
  if (seconds < oldest - slack) {
    if (seconds >= oldest) return problem('timestamp_too_far_in_past', param, edgeMessage('35 days in the past', Math.ceil(oldest + CLOCK_SKEW_SECONDS), 'greater'));
    // Stripe's own words (v1's answer).
    return problem('timestamp_too_far_in_past', param, `The event timestamp cannot be more than 35 days in past. Expected a timestamp greater than or equal to ${Math.ceil(oldest)}.`);
  }
  if (seconds > latest + slack) {
    if (seconds <= latest) return problem('timestamp_in_future', param, edgeMessage('5 minutes in the future', Math.floor(latest - CLOCK_SKEW_SECONDS), 'less'));
    return problem('timestamp_in_future', param, `The event timestamp cannot be more than 5 minutes in the future. Expected a timestamp less than or equal to ${Math.floor(latest)}.`);
  }
  return undefined;
}

const slackOf = (skew: Skew): number => (skew === 'allow' ? CLOCK_SKEW_SECONDS : skew === 'avoid' ? -CLOCK_SKEW_SECONDS : 0);

/**
 * The last moment (unix seconds) at which an event at `seconds` is still inside the window's far
 * end as `skew` reads it: from then on timestampWindowProblem reports timestamp_too_far_in_past.
 * A sender that retries checks it before each attempt, not only when the event was queued.
 */
export function windowClosesAt(seconds: number, skew: Skew): number {
  return seconds + MAX_EVENT_AGE_SECONDS + slackOf(skew);
}

/**
 * The first moment (unix seconds) from which an event at `seconds` is no longer ahead of the
 * window's near end as `skew` reads it: before then timestampWindowProblem reports timestamp_in_future.
 */
export function windowOpensAt(seconds: number, skew: Skew): number {
  return seconds - MAX_EVENT_AHEAD_SECONDS - slackOf(skew);
}

function edgeMessage(limit: string, bound: number, side: 'greater' | 'less'): string {
  return `The event timestamp is within ${CLOCK_SKEW_SECONDS} seconds of Stripe's limit of ${limit}, so Stripe may refuse it by the time it arrives. Expected a timestamp ${side} than or equal to ${bound}.`;
}
