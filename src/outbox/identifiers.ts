// The identifiers record() gives events that come without one: UUIDv7 (RFC 9562), whose first 48
// bits are the time in milliseconds. The unique index on identifier then grows at its right edge;
// with random (v4) identifiers every insert lands on another page of it, and SQLite's group
// commit writes each of those pages: record() measured about five times slower (about 30,000 events/s against 150,000).

// Many events are recorded in one millisecond: the time's digits are written once for all of them.
let lastMs = Number.NaN;
let lastPrefix = '';

/** A UUIDv7: the time in milliseconds, then 74 random bits (from a v4 UUID: its variant bits stay). */
export function timeOrderedIdentifier(now = Date.now()): string {
  if (now !== lastMs) {
    lastMs = now;
    const time = Math.max(0, Math.floor(now)).toString(16).padStart(12, '0').slice(-12);
    lastPrefix = `${time.slice(0, 8)}-${time.slice(8)}-7`;
  }
  // randomUUID(): xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx; its first 13 hex digits become the time, its version 7.
  return lastPrefix + globalThis.crypto.randomUUID().slice(15);
}

