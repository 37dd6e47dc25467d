// Timestamps as Stripe's usage-file template takes them (unix seconds, ISO dates and date-times),
// and the command line's time flags, which also take `now` and offsets such as `-24h`. The file
// may say more than the wire takes (a date alone, no time zone: UTC); what it means is checked
// with Stripe's rules (src/rules/timestamps.ts).
import { unixSecondsProblem, validDateTime } from '../rules/timestamps.js';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Unix seconds of a template timestamp, or a reason why it is not one. */
export function parseTimestamp(text: string): number | string {
  const s = text.trim();
  if (s === '') return 'timestamp is empty';
  if (/^\d+$/.test(s)) {
    const seconds = Number(s);
    return unixSecondsProblem(seconds, 'timestamp')?.message ?? seconds;
  }
  const m = ISO.exec(s);
  if (m === null) return `timestamp "${s}" is neither unix seconds nor an ISO 8601 date or date-time`;
  const [, y, mo, d, h = '00', mi = '00', sec = '00', zone] = m;
  if (!validDateTime(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(sec))) return `timestamp "${s}" is not a valid date or time`;
  // A date-time without an offset is read as UTC, so that a file means the same everywhere.
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec));
  return Math.floor(ms / 1000) - zoneOffsetSeconds(zone);
}

function zoneOffsetSeconds(zone: string | undefined): number {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.replace(':', '');
  const sign = digits.startsWith('-') ? -1 : 1;
  return sign * (Number(digits.slice(1, 3)) * 3600 + Number(digits.slice(3, 5)) * 60);
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** A time flag: `now`, an offset from now (`-24h`, `-7d`, `+30m`), or a template timestamp. */
export function parseTimeFlag(text: string, nowSeconds: number): number | string {
  const s = text.trim();
  if (s === 'now') return nowSeconds;
  const rel = /^([+-])(\d+)([smhd])$/.exec(s);
  if (rel !== null) {
    const [, sign, n, unit] = rel;
    return nowSeconds + (sign === '-' ? -1 : 1) * Number(n) * (UNIT_SECONDS[unit ?? 's'] ?? 1);
  }
  const t = parseTimestamp(s);
  return typeof t === 'number' ? t : `${t} (use unix seconds, an ISO date or date-time, now, or an offset such as -24h)`;
}

export function isoSeconds(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace('.000Z', 'Z');
}
