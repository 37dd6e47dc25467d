// Object ids, request ids and the summary ids that double as pagination cursors.

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` random base-62 characters. */
export function randomId(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = '';
  // 248 = 4 * 62: bytes above it would bias the alphabet, so they are drawn again.
  for (let i = 0; i < length; i++) {
    let b = bytes[i] ?? 0;
    while (b >= 248) b = crypto.getRandomValues(new Uint8Array(1))[0] ?? 0;
    out += ALPHABET[b % 62];
  }
  return out;
}

/** Request ids: a random prefix per emulator and a counter, so making one costs next to nothing. */
export function requestIds(): () => string {
  const prefix = randomId(6);
  let n = 0;
  return () => `req_${prefix}${(n++).toString(36).padStart(8, '0')}`;
}

function base64url(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): string | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

const SUMMARY_PREFIX = 'mtrusg_test_';

/**
 * A summary's id names its meter, customer and window, so the same bucket always has the same id
 * and a cursor stays valid however the data changes between pages.
 */
export function summaryId(meter: string, customer: string, start: number, end: number): string {
  return SUMMARY_PREFIX + base64url(`${start}.${end}.${meter}.${customer}`);
}

/** The bucket start named by a summary id, if the id is one of this meter's and customer's. */
export function summaryStart(id: string, meter: string, customer: string): number | undefined {
  if (!id.startsWith(SUMMARY_PREFIX)) return undefined;
  const match = /^(-?\d+)\.(-?\d+)\.([^.]*)\.([\s\S]*)$/.exec(fromBase64url(id.slice(SUMMARY_PREFIX.length)) ?? '');
  if (match === null || match[3] !== meter || match[4] !== customer) return undefined;
  return Number(match[1]);
}
