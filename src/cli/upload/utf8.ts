// UTF-8 as a usage file must be: checked, never repaired. A byte sequence that is not UTF-8 would
// otherwise become U+FFFD, so that two identifiers differing only there collapse into one and a
// customer id is stored altered. The whole file is checked while it is digested (fast, native);
// only a file that fails is read the slow way, row by row, to refuse just the rows that hold it.
import { isUtf8 } from 'node:buffer';

/** Where the first byte that is not UTF-8 is: offset in the file, and its line and column (1-based, in bytes). */
export interface Utf8Error {
  offset: number;
  line: number;
  column: number;
  byte: number;
}

/** The length of the sequence a lead byte starts (0: not a lead byte). */
function sequenceLength(b: number): number {
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

/** The index of the first byte of `bytes` that does not start a valid UTF-8 sequence, or -1. */
export function invalidUtf8At(bytes: Uint8Array): number {
  if (isUtf8(bytes)) return -1;
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] as number;
    const n = sequenceLength(b);
    if (n === 0 || i + n > bytes.length) return i;
    const second = bytes[i + 1] as number;
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    if (n >= 2) {
      const low = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
      const high = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
      if (second < low || second > high) return i;
      for (let k = 2; k < n; k++) if (((bytes[i + k] as number) & 0xc0) !== 0x80) return i;
    }
    i += n;
  }
  return -1;
}

/** How many bytes at the end of `bytes` begin a sequence the next chunk completes (0 to 3). */
function incompleteTail(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const b = bytes[bytes.length - back] as number;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: keep looking for its lead
    const n = sequenceLength(b);
    return n > back ? back : 0;
  }
  return 0;
}

/** Checks a file's bytes chunk by chunk (sequences may span chunks). */
export class Utf8Check {
  #carry: Uint8Array = new Uint8Array(0);
  #offset = 0;
  #line = 1;
  #lineStart = 0;
  #error: Utf8Error | undefined;

  get error(): Utf8Error | undefined {
    return this.#error;
  }

  update(chunk: Uint8Array): void {
    if (this.#error !== undefined) return;
    const bytes = this.#carry.length === 0 ? chunk : Buffer.concat([this.#carry, chunk]);
    const keep = incompleteTail(bytes);
    const whole = bytes.subarray(0, bytes.length - keep);
    const bad = invalidUtf8At(whole);
    this.#count(whole, bad < 0 ? whole.length : bad);
    if (bad >= 0) {
      this.#error = { offset: this.#offset, line: this.#line, column: this.#offset - this.#lineStart + 1, byte: whole[bad] as number };
      return;
    }
    this.#carry = bytes.slice(bytes.length - keep);
  }

  /** Call at the end of the file: a sequence cut off by the end is not UTF-8 either. */
  end(): Utf8Error | undefined {
    if (this.#error === undefined && this.#carry.length > 0) this.update(new Uint8Array([0x0a]));
    return this.#error;
  }

  #count(bytes: Uint8Array, upTo: number): void {
    for (let i = bytes.indexOf(0x0a); i >= 0 && i < upTo; i = bytes.indexOf(0x0a, i + 1)) {
      this.#line++;
      this.#lineStart = this.#offset + i + 1;
    }
    this.#offset += upTo;
  }
}

/** `bytes` as text when they are UTF-8, or a reason naming `what` and the first bad byte. */
export function decodeUtf8(bytes: Uint8Array, what: string): string | { problem: string } {
  const bad = invalidUtf8At(bytes);
  if (bad < 0) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const hex = (bytes[bad] as number).toString(16).toUpperCase().padStart(2, '0');
  return { problem: `${what} is not valid UTF-8 (byte 0x${hex} at byte ${bad + 1} of it); save the file as UTF-8` };
}
