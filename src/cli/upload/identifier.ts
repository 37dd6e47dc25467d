// The identifier of a row that has none: a function of the row's number and content only, so that
// uploading the same rows again (a re-run, a resume, the same file renamed or converted between
// CSV, JSON and JSON Lines, rows appended) gives each row the identifier it had, and Stripe counts
// it once. The content part makes a row fixed in place count as new (its first version was
// refused, so it never counted); the number keeps identical rows apart (two calls by the same
// customer in the same second are two events).
import { hash } from 'node:crypto';

function sortedKeys(payload: Record<string, string>): string[] {
  const keys = Object.keys(payload);
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] ?? '') > (keys[i] ?? '')) return keys.sort();
  }
  return keys;
}

/** The prefix of every identifier derived for this row, whatever its content. */
export const derivedPrefix = (row: number): string => `sm-${row}-`;

export function deriveIdentifier(row: number, eventName: string, timestamp: number, payload: Record<string, string>): string {
  // Each part carries its length, so parts cannot run into each other whatever they contain; the
  // payload in key order, so that a column order or a JSON key order does not change anything.
  let text = `${row}|${eventName.length}:${eventName}|${timestamp}`;
  for (const key of sortedKeys(payload)) {
    const value = payload[key] ?? '';
    text += `|${key.length}:${key}=${value.length}:${value}`;
  }
  // 22 base64url characters are 132 bits; with the row number in clear, well within 100 characters.
  return `${derivedPrefix(row)}${hash('sha256', text, 'base64url').slice(0, 22)}`;
}
