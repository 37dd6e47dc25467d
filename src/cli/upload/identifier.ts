// The identifier of a row that has none: a digest of the row's content (event name, time, payload
// in key order) and of how many identical rows come before it in the file. Nothing depends on the
// row's number, so deleting, inserting or reordering rows, resuming, `--restart`, or the same rows
// in another file (renamed, converted between CSV, JSON and JSON Lines, appended to) give every
// row the identifier it had, and Stripe counts it once. Identical rows stay distinct events (two
// calls by one customer in one second): the first is #0, the next #1. When rows are deleted or
// inserted among identical ones they renumber among themselves, which changes nothing either:
// identical rows are interchangeable, so the same identifiers stand for the same usage.
// What changes a row's identifier is a change of its content: a fixed row is a new event.
import { hash } from 'node:crypto';
import { fingerprint, FingerprintTable } from './fingerprints.js';

function sortedKeys(payload: Record<string, string>): string[] {
  const keys = Object.keys(payload);
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] ?? '') > (keys[i] ?? '')) return keys.sort();
  }
  return keys;
}

/** The text that stands for a row's content: identical rows, and only they, have the same. */
function contentText(eventName: string, timestamp: number, payload: Record<string, string>): string {
  // Each part carries its length, so parts cannot run into each other whatever they contain; the
  // payload in key order, so that a column order or a JSON key order does not change anything.
  let text = `${eventName.length}:${eventName}|${timestamp}`;
  for (const key of sortedKeys(payload)) {
    const value = payload[key] ?? '';
    text += `|${key.length}:${key}=${value.length}:${value}`;
  }
  return text;
}

/** The digest of a row's content (22 base64url characters, 132 bits of SHA-256). */
export function contentDigest(eventName: string, timestamp: number, payload: Record<string, string>): string {
  // A string digest: Node's hash() returns one several times faster than a Buffer.
  return hash('sha256', contentText(eventName, timestamp, payload), 'base64url').slice(0, 22);
}

/** Derived identifiers start so. */
export const DERIVED_PREFIX = 'sm-';

/** Derives identifiers for the rows of one file, read in order from its first row. */
export class IdentifierDeriver {
  // Occurrences so far per content, by a 64-bit fingerprint of it: about 12 bytes per distinct
  // row. Two contents sharing a fingerprint (odds of about one in a million for a file of five
  // million rows) would number their rows together: their identifiers still differ (the digest
  // does), and only an edit among such rows could renumber them.
  readonly #seen = new FingerprintTable();

  derive(eventName: string, timestamp: number, payload: Record<string, string>): string {
    const text = contentText(eventName, timestamp, payload);
    const [hi, lo] = fingerprint(text);
    const n = this.#seen.get(hi, lo) ?? 0;
    this.#seen.set(hi, lo, n + 1);
    return `${DERIVED_PREFIX}${hash('sha256', text, 'base64url').slice(0, 22)}-${n}`;
  }
}
