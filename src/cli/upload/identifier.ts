// The identifier of a row that has none: a function of the row's number and content only, so that
// uploading the same rows again (a re-run, a resume, the same file renamed or converted between
// CSV, JSON and JSON Lines, rows appended) gives each row the identifier it had, and Stripe counts
// it once. The content part makes a row fixed in place count as new (its first version was
// refused, so it never counted); the number keeps identical rows apart (two calls by the same
// customer in the same second are two events).
import { hash } from 'node:crypto';

export function deriveIdentifier(row: number, eventName: string, timestamp: number, payload: Record<string, string>): string {
  const keys = Object.keys(payload).sort();
  const entries: string[] = [];
  for (const key of keys) entries.push(key, payload[key] ?? '');
  const digest = hash('sha256', JSON.stringify([row, eventName, timestamp, entries]), 'base64url');
  // 22 base64url characters are 132 bits; with the row number in clear, well within 100 characters.
  return `sm-${row}-${digest.slice(0, 22)}`;
}
